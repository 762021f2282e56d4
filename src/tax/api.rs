//! GraphQL: Saleor's tax types (`TaxConfiguration`, `TaxClass`, `TaxCountryConfiguration`),
//! their staff queries and the `tax*` mutations (MANAGE_TAXES).

use std::collections::{BTreeMap, HashMap};

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entities::{
    tax_class, tax_class_country_rate as rate, tax_configuration as config,
    tax_configuration_per_country as per_country,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::calc::RateBp;
use super::service::{ConfigChange, CountryChange, FLAT_RATES, TaxError, rate_from_percent};
use crate::channel::api::ChannelNode;
use crate::core::{
    connection::{self, KeyPart, PageArgs, SortKey},
    country::{CountryCode, CountryDisplay},
    error::{ErrorCode, error},
    id,
    permissions::Permission,
};
use crate::countable_names;
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::parts;

/// How taxes are calculated in a channel.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TaxCalculationStrategy {
    FlatRates,
    TaxApp,
}

fn strategy(s: Option<&str>) -> Option<TaxCalculationStrategy> {
    match s {
        Some(FLAT_RATES) => Some(TaxCalculationStrategy::FlatRates),
        Some(_) => Some(TaxCalculationStrategy::TaxApp),
        None => None,
    }
}

fn strategy_name(s: TaxCalculationStrategy) -> String {
    match s {
        TaxCalculationStrategy::FlatRates => FLAT_RATES,
        TaxCalculationStrategy::TaxApp => "TAX_APP",
    }
    .to_owned()
}

fn country(code: &str) -> CountryDisplay {
    CountryCode::parse(code).map_or_else(
        || CountryDisplay {
            code: code.to_owned(),
            country: code.to_owned(),
        },
        CountryDisplay::from,
    )
}

fn percent(bp: RateBp) -> f64 {
    f64::from(bp) / 100.0
}

// ------------------------------------------------------------------------ types

/// Channel-specific tax configuration.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "TaxConfiguration")]
pub struct TaxConfigurationNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: config::Model,
}

impl From<config::Model> for TaxConfigurationNode {
    fn from(model: config::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for TaxConfigurationNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl TaxConfigurationNode {
    /// The ID of the object.
    async fn id(&self) -> ID {
        id::encode("TaxConfiguration", self.model.id)
    }
    /// A channel to which the tax configuration applies to.
    async fn channel(&self, ctx: &Context<'_>) -> Result<ChannelNode> {
        let (state, req) = parts(ctx)?;
        state
            .channels
            .by_id(self.model.channel_id)
            .await
            .map_err(|e| req.internal(e))?
            .map(ChannelNode::from)
            .ok_or_else(|| error(ErrorCode::Internal, "Tax configuration without a channel."))
    }
    /// Determines whether taxes are charged in the given channel.
    async fn charge_taxes(&self) -> bool {
        self.model.charge_taxes
    }
    /// The default strategy to use for tax calculation in the given channel. Empty value
    /// means that no method is selected and taxes are not calculated.
    async fn tax_calculation_strategy(&self) -> Option<TaxCalculationStrategy> {
        strategy(self.model.tax_calculation_strategy.as_deref())
    }
    /// Determines whether displayed prices should include taxes.
    async fn display_gross_prices(&self) -> bool {
        self.model.display_gross_prices
    }
    /// Determines whether prices are entered with the tax included.
    async fn prices_entered_with_tax(&self) -> bool {
        self.model.prices_entered_with_tax
    }
    /// List of country-specific exceptions in tax configuration.
    async fn countries(&self, ctx: &Context<'_>) -> Result<Vec<TaxConfigurationPerCountry>> {
        let (state, req) = parts(ctx)?;
        Ok(state
            .taxes
            .exceptions(self.model.id)
            .await
            .map_err(|e| req.internal(e))?
            .into_iter()
            .map(TaxConfigurationPerCountry)
            .collect())
    }
    /// The tax app `App.identifier` used to calculate the taxes (tax apps are not
    /// supported: always the stored value, unused).
    async fn tax_app_id(&self) -> Option<&str> {
        self.model.tax_app_id.as_deref()
    }
    /// Determines whether to use weighted tax for shipping (not supported: false).
    async fn use_weighted_tax_for_shipping(&self) -> Option<bool> {
        Some(false)
    }
}

/// Country-specific exceptions of a channel's tax configuration.
pub struct TaxConfigurationPerCountry(per_country::Model);

#[Object]
impl TaxConfigurationPerCountry {
    /// Country in which this configuration applies.
    async fn country(&self) -> CountryDisplay {
        country(&self.0.country)
    }
    /// Determines whether taxes are charged in this country.
    async fn charge_taxes(&self) -> bool {
        self.0.charge_taxes
    }
    /// A country-specific strategy to use for tax calculation. If not provided, use the
    /// value from the channel's tax configuration.
    async fn tax_calculation_strategy(&self) -> Option<TaxCalculationStrategy> {
        strategy(self.0.tax_calculation_strategy.as_deref())
    }
    /// Determines whether displayed prices should include taxes for this country.
    async fn display_gross_prices(&self) -> bool {
        self.0.display_gross_prices
    }
    /// The tax app `App.identifier` for this country.
    async fn tax_app_id(&self) -> Option<&str> {
        self.0.tax_app_id.as_deref()
    }
    /// Determines whether to use weighted tax for shipping (not supported: false).
    async fn use_weighted_tax_for_shipping(&self) -> Option<bool> {
        Some(false)
    }
}

/// Tax class is a named object used to define tax rates per country. Tax class can be
/// assigned to product types, products and shipping methods to define differentiated tax
/// rates.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "TaxClass")]
pub struct TaxClassNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: tax_class::Model,
}

impl From<tax_class::Model> for TaxClassNode {
    fn from(model: tax_class::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for TaxClassNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl TaxClassNode {
    /// The ID of the object.
    async fn id(&self) -> ID {
        id::encode("TaxClass", self.model.id)
    }
    /// Name of the tax class.
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// Country-specific tax rates for this tax class.
    async fn countries(&self, ctx: &Context<'_>) -> Result<Vec<TaxClassCountryRate>> {
        let (state, req) = parts(ctx)?;
        Ok(state
            .taxes
            .rates_of_classes(vec![self.model.id])
            .await
            .map_err(|e| req.internal(e))?
            .into_iter()
            .map(|r| TaxClassCountryRate {
                rate: r,
                class: Some(self.model.clone()),
            })
            .collect())
    }
}

/// Tax rate for a country. When tax class is null, it represents the default tax rate for
/// that country; otherwise it's a country tax rate specific to the given tax class.
pub struct TaxClassCountryRate {
    rate: rate::Model,
    class: Option<tax_class::Model>,
}

#[Object]
impl TaxClassCountryRate {
    /// Country in which this tax rate applies.
    async fn country(&self) -> CountryDisplay {
        country(&self.rate.country)
    }
    /// Tax rate value.
    async fn rate(&self) -> f64 {
        percent(self.rate.rate_bp)
    }
    /// Related tax class.
    async fn tax_class(&self) -> Option<TaxClassNode> {
        self.class.clone().map(TaxClassNode::from)
    }
}

/// Tax class rates grouped by country.
#[derive(Default)]
pub struct TaxCountryConfiguration {
    country: String,
    rates: Vec<TaxClassCountryRate>,
}

#[Object]
impl TaxCountryConfiguration {
    /// A country for which tax class rates are grouped.
    async fn country(&self) -> CountryDisplay {
        country(&self.country)
    }
    /// List of tax class rates.
    async fn tax_class_country_rates(&self) -> &[TaxClassCountryRate] {
        &self.rates
    }
}

/// Groups `rates` by country, each with its class.
async fn by_country(
    state: &crate::state::AppState,
    rates: Vec<rate::Model>,
) -> Result<Vec<TaxCountryConfiguration>, sea_orm::DbErr> {
    let ids: Vec<i32> = rates.iter().filter_map(|r| r.tax_class_id).collect();
    let classes: HashMap<i32, tax_class::Model> = state
        .taxes
        .classes(ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut grouped: BTreeMap<String, Vec<TaxClassCountryRate>> = BTreeMap::new();
    for r in rates {
        let class = r.tax_class_id.and_then(|c| classes.get(&c).cloned());
        grouped
            .entry(r.country.clone())
            .or_default()
            .push(TaxClassCountryRate { rate: r, class });
    }
    Ok(grouped
        .into_iter()
        .map(|(country, mut rates)| {
            // The country's default rate first, then the classes'.
            rates.sort_by_key(|r| r.rate.tax_class_id.map_or(i64::MIN, i64::from));
            TaxCountryConfiguration { country, rates }
        })
        .collect())
}

countable_names!(TaxConfigurationNames, "TaxConfiguration");
countable_names!(TaxClassNames, "TaxClass");

/// Saleor's `TaxConfigurationCountableConnection`.
pub type TaxConfigurations = connection::Countable<TaxConfigurationNode, TaxConfigurationNames>;
/// Saleor's `TaxClassCountableConnection`.
pub type TaxClasses = connection::Countable<TaxClassNode, TaxClassNames>;

// ------------------------------------------------------------------------ queries

/// Tax queries (staff users and apps).
#[derive(Default)]
pub struct TaxQuery;

#[Object]
impl TaxQuery {
    /// Look up a tax configuration.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn tax_configuration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a tax configuration.")] id: ID,
    ) -> Result<Option<TaxConfigurationNode>> {
        let (state, req) = parts(ctx)?;
        req.require_staff_or_app()?;
        let pk = id::decode::<i32>(&id, "TaxConfiguration")?;
        Ok(state
            .taxes
            .configuration(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(TaxConfigurationNode::from))
    }

    /// List of tax configurations.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn tax_configurations(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<TaxConfigurations>> {
        let (state, req) = parts(ctx)?;
        req.require_staff_or_app()?;
        let args = PageArgs {
            first,
            last,
            after,
            before,
        };
        let key = SortKey {
            columns: vec![config::Column::Id],
            descending: false,
        };
        Ok(Some(
            connection::entity_connection(
                req,
                &state.db.conn,
                config::Entity::find(),
                key,
                (args, "taxConfigurations"),
                TaxConfigurationNode::from,
                |n| vec![KeyPart::Int(i64::from(n.model.id))],
            )
            .await?,
        ))
    }

    /// Look up a tax class.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn tax_class(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a tax class.")] id: ID,
    ) -> Result<Option<TaxClassNode>> {
        let (state, req) = parts(ctx)?;
        req.require_staff_or_app()?;
        let pk = id::decode::<i32>(&id, "TaxClass")?;
        Ok(state
            .taxes
            .class(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(TaxClassNode::from))
    }

    /// List of tax classes, by name.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn tax_classes(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<TaxClasses>> {
        let (state, req) = parts(ctx)?;
        req.require_staff_or_app()?;
        let args = PageArgs {
            first,
            last,
            after,
            before,
        };
        let key = SortKey {
            columns: vec![tax_class::Column::Name, tax_class::Column::Id],
            descending: false,
        };
        Ok(Some(
            connection::entity_connection(
                req,
                &state.db.conn,
                tax_class::Entity::find(),
                key,
                (args, "taxClasses"),
                TaxClassNode::from,
                |n| {
                    vec![
                        KeyPart::Str(n.model.name.clone()),
                        KeyPart::Int(i64::from(n.model.id)),
                    ]
                },
            )
            .await?,
        ))
    }

    /// Tax class rates grouped by country.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn tax_country_configuration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Country for which to return tax class rates.")] country_code: CountryCode,
    ) -> Result<Option<TaxCountryConfiguration>> {
        let (state, req) = parts(ctx)?;
        req.require_staff_or_app()?;
        let code = country_code.code();
        let rates = state
            .taxes
            .all_rates(Some(code))
            .await
            .map_err(|e| req.internal(e))?;
        let mut grouped = by_country(state, rates)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(grouped.pop().unwrap_or(TaxCountryConfiguration {
            country: code.to_owned(),
            rates: Vec::new(),
        })))
    }

    /// Tax class rates of every country that has any.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn tax_country_configurations(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<TaxCountryConfiguration>>> {
        let (state, req) = parts(ctx)?;
        req.require_staff_or_app()?;
        let rates = state
            .taxes
            .all_rates(None)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(
            by_country(state, rates)
                .await
                .map_err(|e| req.internal(e))?,
        ))
    }
}

// ------------------------------------------------------------------------ mutations

/// Saleor's tax error codes (the union of the tax mutations' enums that we emit).
macro_rules! tax_error_type {
    ($err:ident, $code:ident, [$($variant:ident),*], $extra:ident : $extra_ty:ty) => {
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum $code { $($variant),* }

        #[doc = concat!("Saleor's `", stringify!($err), "`.")]
        #[derive(SimpleObject, Clone, Debug)]
        pub struct $err {
            /// Name of a field that caused the error. A value of `null` indicates that the
            /// error isn't associated with a particular field.
            pub field: Option<String>,
            /// The error message.
            pub message: Option<String>,
            /// The error code.
            pub code: $code,
            /// Items (countries or tax classes) the error is about.
            pub $extra: $extra_ty,
        }
    };
    ($err:ident, $code:ident, [$($variant:ident),*]) => {
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum $code { $($variant),* }

        #[doc = concat!("Saleor's `", stringify!($err), "`.")]
        #[derive(SimpleObject, Clone, Debug)]
        pub struct $err {
            /// Name of a field that caused the error. A value of `null` indicates that the
            /// error isn't associated with a particular field.
            pub field: Option<String>,
            /// The error message.
            pub message: Option<String>,
            /// The error code.
            pub code: $code,
        }
    };
}

tax_error_type!(
    TaxConfigurationUpdateError,
    TaxConfigurationUpdateErrorCode,
    [DuplicatedInputItem, GraphqlError, Invalid, NotFound],
    country_codes: Vec<String>
);
tax_error_type!(
    TaxClassCreateError,
    TaxClassCreateErrorCode,
    [GraphqlError, Invalid, NotFound],
    country_codes: Vec<String>
);
tax_error_type!(
    TaxClassUpdateError,
    TaxClassUpdateErrorCode,
    [DuplicatedInputItem, GraphqlError, Invalid, NotFound],
    country_codes: Vec<String>
);
tax_error_type!(
    TaxClassDeleteError,
    TaxClassDeleteErrorCode,
    [GraphqlError, Invalid, NotFound]
);
tax_error_type!(
    TaxCountryConfigurationUpdateError,
    TaxCountryConfigurationUpdateErrorCode,
    [
        GraphqlError,
        Invalid,
        NotFound,
        OnlyOneDefaultCountryRateAllowed,
        CannotCreateNegativeRate
    ],
    tax_class_ids: Vec<String>
);
tax_error_type!(
    TaxCountryConfigurationDeleteError,
    TaxCountryConfigurationDeleteErrorCode,
    [GraphqlError, Invalid, NotFound]
);

/// The field, message and countries of a domain error; `Err` for internal failures.
fn split(
    e: TaxError,
) -> std::result::Result<(String, String, &'static str, Vec<String>), TaxError> {
    Ok(match e {
        TaxError::NotFound { field, message } => (field, message, "NOT_FOUND", vec![]),
        TaxError::Invalid { field, message } => (field, message, "INVALID", vec![]),
        TaxError::OnlyOneDefaultRate { field } => (
            field,
            "Only one default country rate allowed.".to_owned(),
            "ONLY_ONE_DEFAULT",
            vec![],
        ),
        TaxError::Duplicated {
            field,
            message,
            countries,
        } => (field, message, "DUPLICATED", countries),
        TaxError::NegativeRate { field } => (
            field,
            "Tax rate can't be negative.".to_owned(),
            "NEGATIVE",
            vec![],
        ),
        e @ TaxError::Db(_) => return Err(e),
    })
}

/// Updates tax configuration for a channel.
#[derive(SimpleObject, Default)]
pub struct TaxConfigurationUpdate {
    pub errors: Vec<TaxConfigurationUpdateError>,
    pub tax_configuration: Option<TaxConfigurationNode>,
}

/// Creates a tax class.
#[derive(SimpleObject, Default)]
pub struct TaxClassCreate {
    pub errors: Vec<TaxClassCreateError>,
    pub tax_class: Option<TaxClassNode>,
}

/// Updates a tax class.
#[derive(SimpleObject, Default)]
pub struct TaxClassUpdate {
    pub errors: Vec<TaxClassUpdateError>,
    pub tax_class: Option<TaxClassNode>,
}

/// Deletes a tax class.
#[derive(SimpleObject, Default)]
pub struct TaxClassDelete {
    pub errors: Vec<TaxClassDeleteError>,
    pub tax_class: Option<TaxClassNode>,
}

/// Updates tax class rates for a specific country.
#[derive(SimpleObject, Default)]
pub struct TaxCountryConfigurationUpdate {
    pub tax_country_configuration: Option<TaxCountryConfiguration>,
    pub errors: Vec<TaxCountryConfigurationUpdateError>,
}

/// Removes all tax class rates for a specific country.
#[derive(SimpleObject, Default)]
pub struct TaxCountryConfigurationDelete {
    pub tax_country_configuration: Option<TaxCountryConfiguration>,
    pub errors: Vec<TaxCountryConfigurationDeleteError>,
}

/// A country exception of a channel's tax configuration.
#[derive(InputObject)]
pub struct TaxConfigurationPerCountryInput {
    /// Country in which this configuration applies.
    pub country_code: CountryCode,
    /// Determines whether taxes are charged in this country.
    pub charge_taxes: bool,
    /// A country-specific strategy to use for tax calculation.
    pub tax_calculation_strategy: Option<TaxCalculationStrategy>,
    /// Determines whether displayed prices should include taxes for this country.
    pub display_gross_prices: bool,
    /// The tax app `App.identifier` for this country.
    pub tax_app_id: Option<String>,
    /// Determines whether to use weighted tax for shipping (only `false` is supported).
    pub use_weighted_tax_for_shipping: Option<bool>,
}

/// Fields of a channel's tax configuration to update.
#[derive(InputObject)]
pub struct TaxConfigurationUpdateInput {
    /// Determines whether taxes are charged in the given channel.
    pub charge_taxes: Option<bool>,
    /// The default strategy to use for tax calculation in the given channel (only
    /// FLAT_RATES is calculated; TAX_APP is refused).
    pub tax_calculation_strategy: Option<TaxCalculationStrategy>,
    /// Determines whether displayed prices should include taxes.
    pub display_gross_prices: Option<bool>,
    /// Determines whether prices are entered with the tax included.
    pub prices_entered_with_tax: Option<bool>,
    /// List of tax country configurations to create or update (identified by a country code).
    pub update_countries_configuration: Option<Vec<TaxConfigurationPerCountryInput>>,
    /// List of country codes for which to remove the tax configuration.
    pub remove_countries_configuration: Option<Vec<CountryCode>>,
    /// Determines whether to use weighted tax for shipping (only `false` is supported).
    pub use_weighted_tax_for_shipping: Option<bool>,
    /// The tax app `App.identifier` (tax apps are not supported).
    pub tax_app_id: Option<String>,
}

/// A rate for a country.
#[derive(InputObject)]
pub struct CountryRateInput {
    /// Country in which this rate applies.
    pub country_code: CountryCode,
    /// Tax rate value provided as percentage. Example: provide `23` to represent `23%` tax rate.
    pub rate: f64,
}

/// A rate for a country to set, or with `rate: null` to remove.
#[derive(InputObject)]
pub struct CountryRateUpdateInput {
    /// Country in which this rate applies.
    pub country_code: CountryCode,
    /// Tax rate value provided as percentage; `null` removes the rate.
    pub rate: Option<f64>,
}

/// Fields of a new tax class.
#[derive(InputObject)]
pub struct TaxClassCreateInput {
    /// Name of the tax class.
    pub name: String,
    /// List of country-specific tax rates to create for this tax class.
    pub create_country_rates: Option<Vec<CountryRateInput>>,
}

/// Fields of a tax class to update.
#[derive(InputObject)]
pub struct TaxClassUpdateInput {
    /// Name of the tax class.
    pub name: Option<String>,
    /// List of country-specific tax rates to create or update for this tax class.
    pub update_country_rates: Option<Vec<CountryRateUpdateInput>>,
    /// List of country codes for which to remove the tax class rates.
    pub remove_country_rates: Option<Vec<CountryCode>>,
}

/// A rate of a tax class (or, without a class, the country's default rate).
#[derive(InputObject)]
pub struct TaxClassRateInput {
    /// ID of a tax class for which to update the tax class rate. If not provided, a default
    /// tax class will be updated.
    pub tax_class_id: Option<ID>,
    /// Tax rate value; `null` removes it.
    pub rate: Option<f64>,
}

/// Tax mutations (MANAGE_TAXES).
#[derive(Default)]
pub struct TaxMutation;

macro_rules! fail {
    ($payload:ident, $err:ident, $code:ident, $e:expr, $req:expr, $extra:ident) => {{
        match split($e) {
            Ok((field, message, code, items)) => {
                return Ok(Some($payload {
                    errors: vec![$err {
                        field: Some(field),
                        message: Some(message),
                        code: match code {
                            "NOT_FOUND" => $code::NotFound,
                            _ => $code::Invalid,
                        },
                        $extra: items,
                    }],
                    ..Default::default()
                }));
            }
            Err(e) => return Err($req.internal(e)),
        }
    }};
}

#[Object]
impl TaxMutation {
    /// Updates tax configuration for a channel.
    ///
    /// Requires one of the following permissions: MANAGE_TAXES.
    async fn tax_configuration_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the tax configuration.")] id: ID,
        #[graphql(desc = "Fields required to update the tax configuration.")]
        input: TaxConfigurationUpdateInput,
    ) -> Result<Option<TaxConfigurationUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTaxes])?;
        let pk = id::decode::<i32>(&id, "TaxConfiguration")?;
        let weighted = input.use_weighted_tax_for_shipping == Some(true)
            || input
                .update_countries_configuration
                .iter()
                .flatten()
                .any(|c| c.use_weighted_tax_for_shipping == Some(true));
        if weighted {
            return Ok(Some(TaxConfigurationUpdate {
                errors: vec![TaxConfigurationUpdateError {
                    field: Some("useWeightedTaxForShipping".to_owned()),
                    message: Some("Weighted tax for shipping is not supported.".to_owned()),
                    code: TaxConfigurationUpdateErrorCode::Invalid,
                    country_codes: vec![],
                }],
                ..Default::default()
            }));
        }
        let change = ConfigChange {
            charge_taxes: input.charge_taxes,
            strategy: input
                .tax_calculation_strategy
                .map(|s| Some(strategy_name(s))),
            display_gross_prices: input.display_gross_prices,
            prices_entered_with_tax: input.prices_entered_with_tax,
            tax_app_id: input.tax_app_id.map(Some),
            update_countries: input
                .update_countries_configuration
                .unwrap_or_default()
                .into_iter()
                .map(|c| CountryChange {
                    country: c.country_code.code().to_owned(),
                    charge_taxes: c.charge_taxes,
                    strategy: c.tax_calculation_strategy.map(strategy_name),
                    display_gross_prices: c.display_gross_prices,
                    tax_app_id: c.tax_app_id,
                })
                .collect(),
            remove_countries: input
                .remove_countries_configuration
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.code().to_owned())
                .collect(),
        };
        match state.taxes.update_configuration(pk, change).await {
            Ok(model) => Ok(Some(TaxConfigurationUpdate {
                tax_configuration: Some(model.into()),
                ..Default::default()
            })),
            Err(e) => match split(e) {
                Ok((field, message, code, countries)) => Ok(Some(TaxConfigurationUpdate {
                    errors: vec![TaxConfigurationUpdateError {
                        field: Some(field),
                        message: Some(message),
                        code: match code {
                            "NOT_FOUND" => TaxConfigurationUpdateErrorCode::NotFound,
                            "DUPLICATED" => TaxConfigurationUpdateErrorCode::DuplicatedInputItem,
                            _ => TaxConfigurationUpdateErrorCode::Invalid,
                        },
                        country_codes: countries,
                    }],
                    ..Default::default()
                })),
                Err(e) => Err(req.internal(e)),
            },
        }
    }

    /// Creates a tax class.
    ///
    /// Requires one of the following permissions: MANAGE_TAXES.
    async fn tax_class_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a tax class.")] input: TaxClassCreateInput,
    ) -> Result<Option<TaxClassCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTaxes])?;
        let mut rates = Vec::new();
        for r in input.create_country_rates.unwrap_or_default() {
            match rate_from_percent("createCountryRates", r.rate) {
                Ok(bp) => rates.push((r.country_code.code().to_owned(), bp)),
                Err(e) => fail!(
                    TaxClassCreate,
                    TaxClassCreateError,
                    TaxClassCreateErrorCode,
                    e,
                    req,
                    country_codes
                ),
            }
        }
        match state.taxes.create_class(&input.name, rates).await {
            Ok(class) => Ok(Some(TaxClassCreate {
                tax_class: Some(class.into()),
                ..Default::default()
            })),
            Err(e) => fail!(
                TaxClassCreate,
                TaxClassCreateError,
                TaxClassCreateErrorCode,
                e,
                req,
                country_codes
            ),
        }
    }

    /// Updates a tax class.
    ///
    /// Requires one of the following permissions: MANAGE_TAXES.
    async fn tax_class_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the tax class.")] id: ID,
        #[graphql(desc = "Fields required to update a tax class.")] input: TaxClassUpdateInput,
    ) -> Result<Option<TaxClassUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTaxes])?;
        let pk = id::decode::<i32>(&id, "TaxClass")?;
        let mut update = Vec::new();
        for r in input.update_country_rates.unwrap_or_default() {
            let bp = match r.rate {
                Some(p) => match rate_from_percent("updateCountryRates", p) {
                    Ok(bp) => Some(bp),
                    Err(e) => fail!(
                        TaxClassUpdate,
                        TaxClassUpdateError,
                        TaxClassUpdateErrorCode,
                        e,
                        req,
                        country_codes
                    ),
                },
                None => None,
            };
            update.push((r.country_code.code().to_owned(), bp));
        }
        let remove = input
            .remove_country_rates
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.code().to_owned())
            .collect();
        match state
            .taxes
            .update_class(pk, input.name, update, remove)
            .await
        {
            Ok(class) => Ok(Some(TaxClassUpdate {
                tax_class: Some(class.into()),
                ..Default::default()
            })),
            Err(TaxError::Duplicated {
                field,
                message,
                countries,
            }) => Ok(Some(TaxClassUpdate {
                errors: vec![TaxClassUpdateError {
                    field: Some(field),
                    message: Some(message),
                    code: TaxClassUpdateErrorCode::DuplicatedInputItem,
                    country_codes: countries,
                }],
                ..Default::default()
            })),
            Err(e) => fail!(
                TaxClassUpdate,
                TaxClassUpdateError,
                TaxClassUpdateErrorCode,
                e,
                req,
                country_codes
            ),
        }
    }

    /// Deletes a tax class. After deleting the tax class any products or product types
    /// using it are updated to use the default tax class.
    ///
    /// Requires one of the following permissions: MANAGE_TAXES.
    async fn tax_class_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a tax class to delete.")] id: ID,
    ) -> Result<Option<TaxClassDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTaxes])?;
        let pk = id::decode::<i32>(&id, "TaxClass")?;
        match state.taxes.delete_class(pk).await {
            Ok(class) => Ok(Some(TaxClassDelete {
                tax_class: Some(class.into()),
                ..Default::default()
            })),
            Err(e) => match split(e) {
                Ok((field, message, _, _)) => Ok(Some(TaxClassDelete {
                    errors: vec![TaxClassDeleteError {
                        field: Some(field),
                        message: Some(message),
                        code: TaxClassDeleteErrorCode::NotFound,
                    }],
                    ..Default::default()
                })),
                Err(e) => Err(req.internal(e)),
            },
        }
    }

    /// Updates tax class rates for a specific country.
    ///
    /// Requires one of the following permissions: MANAGE_TAXES.
    async fn tax_country_configuration_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Country in which to update the tax class rates.")]
        country_code: CountryCode,
        #[graphql(
            desc = "List of tax rates per tax class to update. When `{taxClass: id, rate: null`} is passed, it deletes the rate object for given taxClass ID. When `{rate: Int}` is passed without a tax class, it updates the default tax class for this country."
        )]
        update_tax_class_rates: Vec<TaxClassRateInput>,
    ) -> Result<Option<TaxCountryConfigurationUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTaxes])?;
        let fail = |code, message: String, ids: Vec<String>| {
            Ok(Some(TaxCountryConfigurationUpdate {
                errors: vec![TaxCountryConfigurationUpdateError {
                    field: Some("updateTaxClassRates".to_owned()),
                    message: Some(message),
                    code,
                    tax_class_ids: ids,
                }],
                ..Default::default()
            }))
        };
        let mut updates = Vec::new();
        for r in update_tax_class_rates {
            let class = match &r.tax_class_id {
                Some(id) => Some(id::decode::<i32>(id, "TaxClass")?),
                None => None,
            };
            let bp = match r.rate.map(|p| rate_from_percent("updateTaxClassRates", p)) {
                None => None,
                Some(Ok(bp)) => Some(bp),
                Some(Err(TaxError::NegativeRate { .. })) => {
                    return fail(
                        TaxCountryConfigurationUpdateErrorCode::CannotCreateNegativeRate,
                        "Tax rate can't be negative.".to_owned(),
                        r.tax_class_id.iter().map(|i| i.to_string()).collect(),
                    );
                }
                Some(Err(e)) => {
                    return fail(
                        TaxCountryConfigurationUpdateErrorCode::Invalid,
                        e.to_string(),
                        r.tax_class_id.iter().map(|i| i.to_string()).collect(),
                    );
                }
            };
            updates.push((class, bp));
        }
        let code = country_code.code();
        match state.taxes.update_country(code, updates).await {
            Ok(()) => {}
            Err(e) => {
                return match split(e) {
                    Ok((_, message, kind, _)) => fail(
                        match kind {
                            "NOT_FOUND" => TaxCountryConfigurationUpdateErrorCode::NotFound,
                            "ONLY_ONE_DEFAULT" => {
                                TaxCountryConfigurationUpdateErrorCode::OnlyOneDefaultCountryRateAllowed
                            }
                            _ => TaxCountryConfigurationUpdateErrorCode::Invalid,
                        },
                        message,
                        vec![],
                    ),
                    Err(e) => Err(req.internal(e)),
                };
            }
        }
        let rates = state
            .taxes
            .all_rates(Some(code))
            .await
            .map_err(|e| req.internal(e))?;
        let grouped = by_country(state, rates)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(TaxCountryConfigurationUpdate {
            tax_country_configuration: Some(grouped.into_iter().next().unwrap_or(
                TaxCountryConfiguration {
                    country: code.to_owned(),
                    rates: vec![],
                },
            )),
            ..Default::default()
        }))
    }

    /// Remove all tax class rates for a specific country.
    ///
    /// Requires one of the following permissions: MANAGE_TAXES.
    async fn tax_country_configuration_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Country in which to update the tax class rates.")]
        country_code: CountryCode,
    ) -> Result<Option<TaxCountryConfigurationDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTaxes])?;
        let code = country_code.code();
        state
            .taxes
            .delete_country(code)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(TaxCountryConfigurationDelete {
            tax_country_configuration: Some(TaxCountryConfiguration {
                country: code.to_owned(),
                rates: vec![],
            }),
            ..Default::default()
        }))
    }
}

/// Channel field: the channel's tax configuration (staff users and apps).
pub async fn channel_tax_configuration(
    ctx: &Context<'_>,
    channel_id: i32,
) -> Result<TaxConfigurationNode> {
    let (state, req) = parts(ctx)?;
    req.require_staff_or_app()?;
    let found = state
        .taxes
        .configuration_of_channel(channel_id)
        .await
        .map_err(|e| req.internal(e))?;
    match found {
        Some(m) => Ok(m.into()),
        None => {
            super::service::ensure_configurations(&state.db.conn)
                .await
                .map_err(|e| req.internal(e))?;
            config::Entity::find()
                .filter(config::Column::ChannelId.eq(channel_id))
                .one(&state.db.conn)
                .await
                .map_err(|e| req.internal(e))?
                .map(TaxConfigurationNode::from)
                .ok_or_else(|| error(ErrorCode::Internal, "No tax configuration."))
        }
    }
}
