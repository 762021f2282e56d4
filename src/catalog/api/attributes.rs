//! GraphQL: `Attribute`, `AttributeValue`, `SelectedAttribute` and the typed
//! `AssignedAttribute` interface with its implementations.

use async_graphql::{ComplexObject, Context, ID, Interface, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{attribute, attribute_value};

use super::common::{
    AttributeEntityTypeEnum, AttributeInputTypeEnum, AttributeTypeEnum, File, JsonString,
    PositiveInt, translated,
};
use crate::catalog::loaders::{AssignedRow, Prefetched, TypeAttribute, kind};
use crate::core::{country::LanguageCodeEnum, id};
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::translation_type;

translation_type!(
    AttributeTranslation,
    "AttributeTranslation",
    "Attribute translation.",
    name
);
translation_type!(
    AttributeValueTranslation,
    "AttributeValueTranslation",
    "Attribute value translation.",
    value
);

/// Custom attribute of a product. Attributes can be assigned to products and variants at the
/// product type level.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Attribute")]
pub struct AttributeNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: attribute::Model,
    /// The translation fetched with the attribute, if any.
    #[graphql(skip)]
    pub prefetched: Prefetched,
}

impl AttributeNode {
    /// An attribute with its prefetched translation.
    pub fn with_translation(model: attribute::Model, prefetched: Prefetched) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
            prefetched,
        }
    }
}

impl From<attribute::Model> for AttributeNode {
    fn from(model: attribute::Model) -> Self {
        Self::with_translation(model, None)
    }
}

impl HasMetadata for AttributeNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl AttributeNode {
    #[graphql(complexity = 0)]
    /// The ID of the attribute.
    async fn id(&self) -> ID {
        id::encode("Attribute", self.model.id)
    }
    #[graphql(complexity = 0)]
    /// The input type to use for entering attribute values in the dashboard.
    async fn input_type(&self) -> Option<AttributeInputTypeEnum> {
        AttributeInputTypeEnum::parse(&self.model.input_type)
    }
    #[graphql(complexity = 0)]
    /// The entity type which can be used as a reference.
    async fn entity_type(&self) -> Option<AttributeEntityTypeEnum> {
        match self.model.entity_type.as_deref() {
            Some("PAGE") => Some(AttributeEntityTypeEnum::Page),
            Some("PRODUCT") => Some(AttributeEntityTypeEnum::Product),
            Some("PRODUCT_VARIANT") => Some(AttributeEntityTypeEnum::ProductVariant),
            Some("CATEGORY") => Some(AttributeEntityTypeEnum::Category),
            Some("COLLECTION") => Some(AttributeEntityTypeEnum::Collection),
            _ => None,
        }
    }
    #[graphql(complexity = 0)]
    /// Name of an attribute displayed in the interface.
    async fn name(&self) -> &str {
        &self.model.name
    }
    #[graphql(complexity = 0)]
    /// Internal representation of an attribute name.
    async fn slug(&self) -> &str {
        &self.model.slug
    }
    /// The attribute type.
    #[graphql(complexity = 0, name = "type")]
    async fn attribute_type(&self) -> AttributeTypeEnum {
        match self.model.attribute_type.as_str() {
            "PAGE_TYPE" => AttributeTypeEnum::PageType,
            _ => AttributeTypeEnum::ProductType,
        }
    }
    #[graphql(complexity = 0)]
    /// Whether the attribute requires values to be passed or not.
    async fn value_required(&self) -> bool {
        self.model.value_required
    }
    #[graphql(complexity = 0)]
    /// Whether the attribute should be visible or not in storefront.
    async fn visible_in_storefront(&self) -> bool {
        self.model.visible_in_storefront
    }
    /// Returns translated attribute fields for the given language code.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<AttributeTranslation>> {
        Ok(translated(
            ctx,
            kind::ATTRIBUTE,
            self.model.id,
            language_code,
            &self.prefetched,
        )
        .await?
        .map(AttributeTranslation))
    }
    /// List of attribute's values (choice attributes only).
    #[graphql(complexity = "crate::core::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn choices(
        &self,
        ctx: &Context<'_>,
        sort_by: Option<super::type_query::AttributeChoicesSortingInput>,
        #[graphql(deprecation = "Use `where` filter instead.")] filter: Option<
            super::type_query::AttributeValueFilterInput,
        >,
        search: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<
        Option<
            crate::core::connection::Countable<
                AttributeValueNode,
                super::type_query::AttributeValueNames,
            >,
        >,
    > {
        super::type_query::choices(
            ctx,
            &self.model,
            sort_by,
            filter,
            search,
            crate::core::connection::PageArgs {
                first,
                last,
                after,
                before,
            },
        )
        .await
    }
    #[graphql(complexity = 0)]
    /// Flag indicating that attribute has predefined choices.
    async fn with_choices(&self) -> bool {
        matches!(
            self.model.input_type.as_str(),
            "DROPDOWN" | "MULTISELECT" | "SWATCH"
        )
    }
    #[graphql(complexity = 0)]
    /// External ID of this attribute.
    async fn external_reference(&self) -> Option<&str> {
        self.model.external_reference.as_deref()
    }
}

/// Represents a value of an attribute.
#[derive(Clone)]
pub struct AttributeValueNode {
    pub model: attribute_value::Model,
    pub input_type: String,
    /// The translation fetched with the value, if any.
    pub prefetched: Prefetched,
}

#[Object(name = "AttributeValue")]
impl AttributeValueNode {
    #[graphql(complexity = 0)]
    /// The ID of the attribute value.
    async fn id(&self) -> ID {
        id::encode("AttributeValue", self.model.id)
    }
    #[graphql(complexity = 0)]
    /// Name of a value displayed in the interface.
    async fn name(&self) -> Option<&str> {
        Some(&self.model.name)
    }
    #[graphql(complexity = 0)]
    /// Internal representation of a value (unique per attribute).
    async fn slug(&self) -> Option<&str> {
        Some(&self.model.slug)
    }
    #[graphql(complexity = 0)]
    /// Represent value of the attribute value (e.g. color values for swatch attributes).
    async fn value(&self) -> Option<&str> {
        self.model.value.as_deref()
    }
    /// Returns translated attribute value fields for the given language code.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<AttributeValueTranslation>> {
        Ok(translated(
            ctx,
            kind::ATTRIBUTE_VALUE,
            self.model.id,
            language_code,
            &self.prefetched,
        )
        .await?
        .map(AttributeValueTranslation))
    }
    #[graphql(complexity = 0)]
    /// The input type to use for entering attribute values in the dashboard.
    async fn input_type(&self) -> Option<AttributeInputTypeEnum> {
        AttributeInputTypeEnum::parse(&self.input_type)
    }
    #[graphql(complexity = 0)]
    /// The ID of the referenced object.
    async fn reference(&self) -> Option<ID> {
        self.model.reference.clone().map(ID)
    }
    /// Represents file URL and content type (if attribute value is a file).
    async fn file(&self) -> Option<File> {
        self.model.file_url.clone().map(|url| File {
            url,
            content_type: self.model.content_type.clone(),
        })
    }
    #[graphql(complexity = 0)]
    /// Represents the text of the attribute value, includes formatting.
    async fn rich_text(&self) -> Option<JsonString> {
        self.model.rich_text.clone().map(JsonString)
    }
    #[graphql(complexity = 0)]
    /// Represents the text of the attribute value, plain text without formatting.
    async fn plain_text(&self) -> Option<&str> {
        self.model.plain_text.as_deref()
    }
    #[graphql(complexity = 0)]
    /// Represents the boolean value of the attribute value.
    async fn boolean(&self) -> Option<bool> {
        self.model.boolean
    }
    #[graphql(complexity = 0)]
    /// Represents the date/time value of the attribute value.
    async fn date_time(&self) -> Option<DateTime<Utc>> {
        self.model.date_time
    }
    #[graphql(complexity = 0)]
    /// External ID of this attribute value.
    async fn external_reference(&self) -> Option<&str> {
        self.model.external_reference.as_deref()
    }
}

/// Represents an assigned attribute to an object.
#[derive(SimpleObject, Clone)]
pub struct SelectedAttribute {
    /// Name of an attribute displayed in the interface.
    pub attribute: AttributeNode,
    /// Values of an attribute.
    pub values: Vec<AttributeValueNode>,
}

/// An assigned value with its prefetched translation.
#[derive(Clone, Debug)]
pub struct ValueRef {
    pub model: attribute_value::Model,
    pub prefetched: Prefetched,
}

impl ValueRef {
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language: LanguageCodeEnum,
    ) -> Result<Option<entities::translation::Model>> {
        translated(
            ctx,
            kind::ATTRIBUTE_VALUE,
            self.model.id,
            language,
            &self.prefetched,
        )
        .await
    }
}

/// One attribute of an object with its values.
#[derive(Clone, Debug)]
pub struct Group {
    pub attribute: attribute::Model,
    pub prefetched: Prefetched,
    pub values: Vec<ValueRef>,
    pub variant_selection: bool,
}

impl Group {
    fn attribute_node(&self) -> AttributeNode {
        AttributeNode::with_translation(self.attribute.clone(), self.prefetched.clone())
    }
}

/// Groups assigned rows (ordered by attribute) by attribute.
pub fn group(rows: &[AssignedRow]) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for row in rows {
        let value = ValueRef {
            model: row.value.clone(),
            prefetched: row.value_translation.clone(),
        };
        match out.last_mut() {
            Some(g) if g.attribute.id == row.attribute.id => g.values.push(value),
            _ => out.push(Group {
                attribute: row.attribute.clone(),
                prefetched: row.attribute_translation.clone(),
                values: vec![value],
                variant_selection: row.variant_selection,
            }),
        }
    }
    out
}

/// The attributes of an object as Saleor lists them: every attribute of its type, in the
/// type's order, with the object's values (none for attributes it has no value for). Staff
/// and apps see every attribute; everyone else only those visible in the storefront.
pub fn complete(
    rows: &[AssignedRow],
    type_attributes: &[TypeAttribute],
    staff: bool,
) -> Vec<Group> {
    let mut groups = group(rows);
    type_attributes
        .iter()
        .filter(|(_, a)| staff || a.visible_in_storefront)
        .map(|(ta, a)| {
            let mut g = match groups.iter().position(|g| g.attribute.id == a.id) {
                Some(i) => groups.swap_remove(i),
                None => Group {
                    attribute: a.clone(),
                    prefetched: None,
                    values: Vec::new(),
                    variant_selection: false,
                },
            };
            g.variant_selection = ta.variant_selection;
            g
        })
        .collect()
}

/// The selected attribute with `slug` among `groups`, if the object has it.
pub fn selected_by_slug(groups: Vec<Group>, slug: &str) -> Option<SelectedAttribute> {
    let groups = groups
        .into_iter()
        .filter(|g| g.attribute.slug == slug)
        .collect();
    selected(groups).into_iter().next()
}

/// The assigned attribute with `slug` among `groups`, if the object has it.
pub fn assigned_by_slug(groups: Vec<Group>, slug: &str) -> Option<AssignedAttribute> {
    let groups = groups
        .into_iter()
        .filter(|g| g.attribute.slug == slug)
        .collect();
    assigned(groups, 1).into_iter().next()
}

/// Selected attributes from groups.
pub fn selected(groups: Vec<Group>) -> Vec<SelectedAttribute> {
    groups
        .into_iter()
        .map(|g| SelectedAttribute {
            attribute: g.attribute_node(),
            values: g
                .values
                .into_iter()
                .map(|v| AttributeValueNode {
                    model: v.model,
                    input_type: g.attribute.input_type.clone(),
                    prefetched: v.prefetched,
                })
                .collect(),
        })
        .collect()
}

/// An attribute choice as assigned to an object.
#[derive(Clone)]
pub struct AssignedChoiceAttributeValue(pub ValueRef);

#[Object(name = "AssignedChoiceAttributeValue")]
impl AssignedChoiceAttributeValue {
    #[graphql(complexity = 0)]
    /// Name of a value displayed in the interface.
    async fn name(&self) -> Option<&str> {
        Some(&self.0.model.name)
    }
    #[graphql(complexity = 0)]
    /// Internal representation of a value (unique per attribute).
    async fn slug(&self) -> Option<&str> {
        Some(&self.0.model.slug)
    }
    /// Translation of the name.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<String>> {
        Ok(self
            .0
            .translation(ctx, language_code)
            .await?
            .and_then(|t| t.name))
    }
}

/// Represents a swatch value assigned to an object.
#[derive(Clone)]
pub struct AssignedSwatchAttributeValue(pub ValueRef);

#[Object(name = "AssignedSwatchAttributeValue")]
impl AssignedSwatchAttributeValue {
    #[graphql(complexity = 0)]
    /// Name of the selected swatch value.
    async fn name(&self) -> Option<&str> {
        Some(&self.0.model.name)
    }
    #[graphql(complexity = 0)]
    /// Slug of the selected swatch value.
    async fn slug(&self) -> Option<&str> {
        Some(&self.0.model.slug)
    }
    #[graphql(complexity = 0)]
    /// Hex color code.
    async fn hex_color(&self) -> Option<&str> {
        self.0.model.value.as_deref()
    }
    /// File associated with the attribute.
    async fn file(&self) -> Option<File> {
        self.0.model.file_url.clone().map(|url| File {
            url,
            content_type: self.0.model.content_type.clone(),
        })
    }
    /// Translation of the name.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<String>> {
        Ok(self
            .0
            .translation(ctx, language_code)
            .await?
            .and_then(|t| t.name))
    }
}

macro_rules! assigned {
    ($ty:ident, $name:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone)]
        pub struct $ty {
            pub group: Group,
        }
    };
}

assigned!(
    AssignedBooleanAttribute,
    "AssignedBooleanAttribute",
    "Represents boolean attribute."
);
assigned!(
    AssignedPlainTextAttribute,
    "AssignedPlainTextAttribute",
    "Represents plain text attribute."
);
assigned!(
    AssignedTextAttribute,
    "AssignedTextAttribute",
    "Represents text attribute."
);
assigned!(
    AssignedNumericAttribute,
    "AssignedNumericAttribute",
    "Represents numeric attribute."
);
assigned!(
    AssignedSingleChoiceAttribute,
    "AssignedSingleChoiceAttribute",
    "Represents single choice attribute."
);
assigned!(
    AssignedMultiChoiceAttribute,
    "AssignedMultiChoiceAttribute",
    "Represents multi choice attribute."
);
assigned!(
    AssignedSwatchAttribute,
    "AssignedSwatchAttribute",
    "Represents swatch attribute."
);
assigned!(
    AssignedFileAttribute,
    "AssignedFileAttribute",
    "Represents file attribute."
);
assigned!(
    AssignedDateTimeAttribute,
    "AssignedDateTimeAttribute",
    "Represents date time attribute."
);
assigned!(
    AssignedSingleCollectionReferenceAttribute,
    "AssignedSingleCollectionReferenceAttribute",
    "Represents single collection reference attribute."
);

#[Object(name = "AssignedBooleanAttribute")]
impl AssignedBooleanAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    #[graphql(complexity = 0)]
    /// The assigned boolean value.
    async fn value(&self) -> Option<bool> {
        self.group.values.first().and_then(|v| v.model.boolean)
    }
}

#[Object(name = "AssignedPlainTextAttribute")]
impl AssignedPlainTextAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    #[graphql(complexity = 0)]
    /// The assigned plain text content.
    async fn value(&self) -> Option<&str> {
        self.group
            .values
            .first()
            .and_then(|v| v.model.plain_text.as_deref())
    }
    /// Translation of the plain text content in the specified language.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<String>> {
        let Some(v) = self.group.values.first() else {
            return Ok(None);
        };
        Ok(v.translation(ctx, language_code)
            .await?
            .and_then(|t| t.plain_text))
    }
}

#[Object(name = "AssignedTextAttribute")]
impl AssignedTextAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    #[graphql(complexity = 0)]
    /// The assigned rich text content.
    async fn value(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.group
            .values
            .first()
            .and_then(|v| v.model.rich_text.clone())
            .map(async_graphql::Json)
    }
    /// Translation of the rich text content in the specified language.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<async_graphql::Json<serde_json::Value>>> {
        let Some(v) = self.group.values.first() else {
            return Ok(None);
        };
        Ok(v.translation(ctx, language_code)
            .await?
            .and_then(|t| t.description)
            .map(async_graphql::Json))
    }
}

#[Object(name = "AssignedNumericAttribute")]
impl AssignedNumericAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    #[graphql(complexity = 0)]
    /// The assigned numeric value.
    async fn value(&self) -> Option<f64> {
        self.group
            .values
            .first()
            .and_then(|v| v.model.value.as_deref().or(Some(v.model.name.as_str())))
            .and_then(|s| s.parse().ok())
    }
}

#[Object(name = "AssignedSingleChoiceAttribute")]
impl AssignedSingleChoiceAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    /// The assigned choice value.
    async fn value(&self) -> Option<AssignedChoiceAttributeValue> {
        self.group
            .values
            .first()
            .cloned()
            .map(AssignedChoiceAttributeValue)
    }
}

#[Object(name = "AssignedMultiChoiceAttribute")]
impl AssignedMultiChoiceAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    /// List of assigned choice values.
    async fn value(
        &self,
        #[graphql(default_with = "Some(PositiveInt(100))")] limit: Option<PositiveInt>,
    ) -> Vec<AssignedChoiceAttributeValue> {
        self.group
            .values
            .iter()
            .take(limit.map_or(100, |l| l.0) as usize)
            .cloned()
            .map(AssignedChoiceAttributeValue)
            .collect()
    }
}

#[Object(name = "AssignedSwatchAttribute")]
impl AssignedSwatchAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    /// The assigned swatch value.
    async fn value(&self) -> Option<AssignedSwatchAttributeValue> {
        self.group
            .values
            .first()
            .cloned()
            .map(AssignedSwatchAttributeValue)
    }
}

#[Object(name = "AssignedFileAttribute")]
impl AssignedFileAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    /// The assigned file.
    async fn value(&self) -> Option<File> {
        self.group.values.first().and_then(|v| {
            v.model.file_url.clone().map(|url| File {
                url,
                content_type: v.model.content_type.clone(),
            })
        })
    }
}

#[Object(name = "AssignedDateTimeAttribute")]
impl AssignedDateTimeAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    #[graphql(complexity = 0)]
    /// The assigned date time value.
    async fn value(&self) -> Option<DateTime<Utc>> {
        self.group.values.first().and_then(|v| v.model.date_time)
    }
}

#[Object(name = "AssignedSingleCollectionReferenceAttribute")]
impl AssignedSingleCollectionReferenceAttribute {
    /// Attribute assigned to an object.
    async fn attribute(&self) -> AttributeNode {
        self.group.attribute_node()
    }
    /// The assigned collection reference.
    async fn value(&self, ctx: &Context<'_>) -> Result<Option<super::category::CollectionNode>> {
        let Some(pk) = self
            .group
            .values
            .first()
            .and_then(|v| v.model.reference.as_deref())
            .and_then(id::split)
            .and_then(|(_, pk)| pk.parse::<i32>().ok())
        else {
            return Ok(None);
        };
        let (_, req) = crate::state::parts(ctx)?;
        let found = crate::loaders::loaders(ctx)?
            .catalog
            .collections
            .load_one(pk)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(found.map(|c| super::category::CollectionNode::new(c, None)))
    }
}

/// Represents an attribute assigned to an object, typed by its input type.
#[derive(Interface, Clone)]
#[graphql(
    name = "AssignedAttribute",
    field(name = "attribute", ty = "AttributeNode")
)]
pub enum AssignedAttribute {
    Boolean(AssignedBooleanAttribute),
    PlainText(AssignedPlainTextAttribute),
    Text(AssignedTextAttribute),
    Numeric(AssignedNumericAttribute),
    SingleChoice(AssignedSingleChoiceAttribute),
    MultiChoice(AssignedMultiChoiceAttribute),
    Swatch(AssignedSwatchAttribute),
    File(AssignedFileAttribute),
    DateTime(AssignedDateTimeAttribute),
    SingleCollectionReference(AssignedSingleCollectionReferenceAttribute),
}

/// Typed assigned attributes from groups (input types without a typed representation yet —
/// dates and references other than single collections — are left out).
pub fn assigned(groups: Vec<Group>, limit: usize) -> Vec<AssignedAttribute> {
    groups
        .into_iter()
        .filter_map(|group| {
            Some(match group.attribute.input_type.as_str() {
                "BOOLEAN" => AssignedAttribute::Boolean(AssignedBooleanAttribute { group }),
                "PLAIN_TEXT" => AssignedAttribute::PlainText(AssignedPlainTextAttribute { group }),
                "RICH_TEXT" => AssignedAttribute::Text(AssignedTextAttribute { group }),
                "NUMERIC" => AssignedAttribute::Numeric(AssignedNumericAttribute { group }),
                "DROPDOWN" => {
                    AssignedAttribute::SingleChoice(AssignedSingleChoiceAttribute { group })
                }
                "MULTISELECT" => {
                    AssignedAttribute::MultiChoice(AssignedMultiChoiceAttribute { group })
                }
                "SWATCH" => AssignedAttribute::Swatch(AssignedSwatchAttribute { group }),
                "FILE" => AssignedAttribute::File(AssignedFileAttribute { group }),
                "DATE_TIME" => AssignedAttribute::DateTime(AssignedDateTimeAttribute { group }),
                "SINGLE_REFERENCE"
                    if group.attribute.entity_type.as_deref() == Some("COLLECTION") =>
                {
                    AssignedAttribute::SingleCollectionReference(
                        AssignedSingleCollectionReferenceAttribute { group },
                    )
                }
                _ => return None,
            })
        })
        .take(limit)
        .collect()
}
