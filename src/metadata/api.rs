//! GraphQL: metadata fields shared by every object with metadata, the
//! `ObjectWithMetadata` interface, and `updateMetadata`, `deleteMetadata`,
//! `updatePrivateMetadata`, `deletePrivateMetadata`.

use async_graphql::{Context, ID, Interface, Object, Result};
use serde_json::Value as Json;

use crate::account::api::{AddressNode, UserNode};
use crate::account::app_api::AppNode;
use crate::catalog::api::attributes::AttributeNode;
use crate::catalog::api::category::{CategoryNode, CollectionNode};
use crate::catalog::api::products::{ProductNode, ProductTypeNode, VariantNode};
use crate::channel::api::ChannelNode;
use crate::content::api::{MenuItemNode, MenuNode, PageNode, PageTypeNode};
use crate::core::{
    context::RequestCtx,
    id,
    metadata::{self, Metadata, MetadataInput, MetadataItem},
    mutation::FieldError,
    payload::respond,
    permissions::Permission,
};
use crate::state::parts;

pub use super::service::MetadataErrorCode;
use super::service::{self, MetadataOwner, MetadataResult, Visibility};

/// The metadata fields every `ObjectWithMetadata` has; flatten it into the object.
#[derive(Clone, Debug)]
pub struct MetadataFields {
    public: Json,
    private: Json,
}

impl MetadataFields {
    pub fn new(public: &Json, private: &Json) -> Self {
        Self {
            public: public.clone(),
            private: private.clone(),
        }
    }
}

#[Object]
impl MetadataFields {
    /// List of private metadata items. Requires staff permissions to access.
    async fn private_metadata(&self, ctx: &Context<'_>) -> Result<Vec<MetadataItem>> {
        HasMetadata::private_metadata(self, ctx).await
    }

    /// A single key from private metadata. Requires staff permissions to access.
    async fn private_metafield(&self, ctx: &Context<'_>, key: String) -> Result<Option<String>> {
        HasMetadata::private_metafield(self, ctx, key).await
    }

    /// Private metadata. Requires staff permissions to access. Use `keys` to control which
    /// fields you want to include. The default is to include everything.
    async fn private_metafields(
        &self,
        ctx: &Context<'_>,
        keys: Option<Vec<String>>,
    ) -> Result<Option<Metadata>> {
        HasMetadata::private_metafields(self, ctx, keys).await
    }

    /// List of public metadata items. Can be accessed without permissions.
    async fn metadata(&self, ctx: &Context<'_>) -> Result<Vec<MetadataItem>> {
        HasMetadata::metadata(self, ctx).await
    }

    /// A single key from public metadata.
    async fn metafield(&self, ctx: &Context<'_>, key: String) -> Result<Option<String>> {
        HasMetadata::metafield(self, ctx, key).await
    }

    /// Public metadata. Use `keys` to control which fields you want to include. The default
    /// is to include everything.
    async fn metafields(
        &self,
        ctx: &Context<'_>,
        keys: Option<Vec<String>>,
    ) -> Result<Option<Metadata>> {
        HasMetadata::metafields(self, ctx, keys).await
    }
}

/// Implemented by every node that flattens [`MetadataFields`], so the
/// `ObjectWithMetadata` interface can resolve its fields.
#[allow(async_fn_in_trait)] // used only by our own node types, resolved concretely
pub trait HasMetadata {
    /// The node's metadata.
    fn metadata_fields(&self) -> &MetadataFields;

    async fn private_metadata(&self, ctx: &Context<'_>) -> Result<Vec<MetadataItem>> {
        ctx.data::<RequestCtx>()?.require_staff_or_app()?;
        Ok(metadata::items(&self.metadata_fields().private))
    }

    async fn private_metafield(&self, ctx: &Context<'_>, key: String) -> Result<Option<String>> {
        ctx.data::<RequestCtx>()?.require_staff_or_app()?;
        Ok(metadata::get(&self.metadata_fields().private, &key))
    }

    async fn private_metafields(
        &self,
        ctx: &Context<'_>,
        keys: Option<Vec<String>>,
    ) -> Result<Option<Metadata>> {
        ctx.data::<RequestCtx>()?.require_staff_or_app()?;
        Ok(Some(metadata::subset(
            &self.metadata_fields().private,
            keys.as_deref(),
        )))
    }

    async fn metadata(&self, _ctx: &Context<'_>) -> Result<Vec<MetadataItem>> {
        Ok(metadata::items(&self.metadata_fields().public))
    }

    async fn metafield(&self, _ctx: &Context<'_>, key: String) -> Result<Option<String>> {
        Ok(metadata::get(&self.metadata_fields().public, &key))
    }

    async fn metafields(
        &self,
        _ctx: &Context<'_>,
        keys: Option<Vec<String>>,
    ) -> Result<Option<Metadata>> {
        Ok(Some(metadata::subset(
            &self.metadata_fields().public,
            keys.as_deref(),
        )))
    }
}

impl HasMetadata for MetadataFields {
    fn metadata_fields(&self) -> &MetadataFields {
        self
    }
}

/// An object with public and private metadata.
#[allow(clippy::duplicated_attributes)] // clippy misreads the derive's field list
#[derive(Interface)]
#[graphql(
    name = "ObjectWithMetadata",
    field(name = "private_metadata", ty = "Vec<MetadataItem>"),
    field(
        name = "private_metafield",
        ty = "Option<String>",
        arg(name = "key", ty = "String")
    ),
    field(
        name = "private_metafields",
        ty = "Option<Metadata>",
        arg(name = "keys", ty = "Option<Vec<String>>")
    ),
    field(name = "metadata", ty = "Vec<MetadataItem>"),
    field(
        name = "metafield",
        ty = "Option<String>",
        arg(name = "key", ty = "String")
    ),
    field(
        name = "metafields",
        ty = "Option<Metadata>",
        arg(name = "keys", ty = "Option<Vec<String>>")
    )
)]
pub enum ObjectWithMetadata {
    Channel(ChannelNode),
    Checkout(crate::checkout::api::CheckoutNode),
    User(UserNode),
    Address(AddressNode),
    Product(ProductNode),
    ProductVariant(VariantNode),
    ProductType(ProductTypeNode),
    ProductMedia(crate::catalog::api::products::ProductMediaNode),
    ShippingMethod(crate::shipping::api::ShippingMethodNode),
    CheckoutLine(crate::checkout::api::CheckoutLineNode),
    Attribute(AttributeNode),
    Category(CategoryNode),
    Collection(CollectionNode),
    Page(PageNode),
    PageType(PageTypeNode),
    Menu(MenuNode),
    MenuItem(MenuItemNode),
    App(AppNode),
    TaxClass(crate::tax::api::TaxClassNode),
    TaxConfiguration(crate::tax::api::TaxConfigurationNode),
    Voucher(crate::discount::api::VoucherNode),
    Promotion(crate::discount::promotion::api::PromotionNode),
}

crate::error_object! {
    /// An error of a metadata mutation.
    MetadataError(MetadataErrorCode) { field, message, code }
}

crate::payload! {
    /// Updates metadata of an object.
    UpdateMetadata { @errors MetadataError, legacy metadata_errors; item: Option<ObjectWithMetadata> }
}
crate::payload! {
    /// Delete metadata of an object.
    DeleteMetadata { @errors MetadataError, legacy metadata_errors; item: Option<ObjectWithMetadata> }
}
crate::payload! {
    /// Updates private metadata of an object.
    UpdatePrivateMetadata { @errors MetadataError, legacy metadata_errors; item: Option<ObjectWithMetadata> }
}
crate::payload! {
    /// Delete object's private metadata.
    DeletePrivateMetadata { @errors MetadataError, legacy metadata_errors; item: Option<ObjectWithMetadata> }
}

enum Change<'a> {
    Set(&'a [MetadataInput]),
    Remove(&'a [String]),
}

/// Applies `change` to one metadata map of the object `gid` names: the changed object, or
/// why not (a missing permission is a top-level error).
async fn run(
    ctx: &Context<'_>,
    gid: &ID,
    visibility: Visibility,
    change: Change<'_>,
) -> Result<MetadataResult<Option<ObjectWithMetadata>>> {
    let (state, req) = parts(ctx)?;
    let Some((type_name, pk)) = id::split(gid) else {
        return Ok(Err(FieldError::graphql(
            "id",
            format!("Couldn't resolve to a node: {}", gid.as_str()),
        )
        .into()));
    };
    if type_name == "Checkout" {
        return checkout_metadata(ctx, gid, &pk, visibility, change).await;
    }
    let (Some(owner), Ok(pk)) = (MetadataOwner::from_type_name(&type_name), pk.parse::<i32>())
    else {
        return Ok(Err(service::not_found(gid.as_str()).into()));
    };
    // A user may change their own public metadata; everything else needs the owner
    // kind's permission.
    let own_public = owner == MetadataOwner::User
        && visibility == Visibility::Public
        && req.user().is_some_and(|u| u.id == pk);
    if !own_public {
        req.require_any(owner.permissions())?;
    }
    let requestor = req.requestor_id();
    let db = &state.db.conn;
    let result = match change {
        Change::Set(items) => {
            service::modify(db, owner, pk, visibility, requestor, service::set(items)).await
        }
        Change::Remove(keys) => {
            service::modify(db, owner, pk, visibility, requestor, service::remove(keys)).await
        }
    };
    if let Err(e) = result {
        return Ok(Err(e));
    }
    state.events.wake();
    let item = match owner {
        MetadataOwner::Channel => state
            .channels
            .by_id(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(|c| ObjectWithMetadata::Channel(c.into())),
        MetadataOwner::User => state
            .accounts
            .user(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(|u| ObjectWithMetadata::User(u.into())),
        MetadataOwner::Address => state
            .accounts
            .address(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(|a| ObjectWithMetadata::Address(AddressNode::new(a, None))),
        MetadataOwner::App => state
            .accounts
            .app(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(|a| ObjectWithMetadata::App(a.into())),
        MetadataOwner::Voucher => crate::discount::api::node(state, pk, None)
            .await
            .map_err(|e| req.internal(e))?
            .map(ObjectWithMetadata::Voucher),
        other => crate::catalog::api::metadata_item(&state.db.conn, other, pk)
            .await
            .map_err(|e| req.internal(e))?,
    };
    Ok(Ok(item))
}

/// Metadata mutations.
#[derive(Default)]
pub struct MetadataMutation;

#[Object]
impl MetadataMutation {
    /// Updates metadata of an object. To use it, you need to have access to the modified object.
    async fn update_metadata(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID or token (for Order and Checkout) of an object to update.")] id: ID,
        #[graphql(desc = "Fields required to update the object's metadata.")] input: Vec<
            MetadataInput,
        >,
    ) -> Result<Option<UpdateMetadata>> {
        let (_, req) = parts(ctx)?;
        let result = run(ctx, &id, Visibility::Public, Change::Set(&input)).await?;
        respond(req, result, |item| UpdateMetadata {
            item,
            ..Default::default()
        })
        .map(Some)
    }

    /// Delete metadata of an object. To use it, you need to have access to the modified object.
    async fn delete_metadata(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID or token (for Order and Checkout) of an object to update.")] id: ID,
        #[graphql(desc = "Metadata keys to delete.")] keys: Vec<String>,
    ) -> Result<Option<DeleteMetadata>> {
        let (_, req) = parts(ctx)?;
        let result = run(ctx, &id, Visibility::Public, Change::Remove(&keys)).await?;
        respond(req, result, |item| DeleteMetadata {
            item,
            ..Default::default()
        })
        .map(Some)
    }

    /// Updates private metadata of an object. To use it, you need to be an authenticated staff user or an app and have access to the modified object.
    async fn update_private_metadata(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID or token (for Order and Checkout) of an object to update.")] id: ID,
        #[graphql(desc = "Fields required to update the object's metadata.")] input: Vec<
            MetadataInput,
        >,
    ) -> Result<Option<UpdatePrivateMetadata>> {
        let (_, req) = parts(ctx)?;
        let result = run(ctx, &id, Visibility::Private, Change::Set(&input)).await?;
        respond(req, result, |item| UpdatePrivateMetadata {
            item,
            ..Default::default()
        })
        .map(Some)
    }

    /// Delete object's private metadata. To use it, you need to be an authenticated staff user or an app and have access to the modified object.
    async fn delete_private_metadata(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID or token (for Order and Checkout) of an object to update.")] id: ID,
        #[graphql(desc = "Metadata keys to delete.")] keys: Vec<String>,
    ) -> Result<Option<DeletePrivateMetadata>> {
        let (_, req) = parts(ctx)?;
        let result = run(ctx, &id, Visibility::Private, Change::Remove(&keys)).await?;
        respond(req, result, |item| DeletePrivateMetadata {
            item,
            ..Default::default()
        })
        .map(Some)
    }
}

/// Metadata of checkouts (keyed by their UUID token): public metadata by whoever may change
/// the checkout (its owner, or anyone holding a guest checkout's token), private metadata
/// with MANAGE_CHECKOUTS or HANDLE_CHECKOUTS.
async fn checkout_metadata(
    ctx: &Context<'_>,
    gid: &ID,
    token: &str,
    visibility: Visibility,
    change: Change<'_>,
) -> Result<MetadataResult<Option<ObjectWithMetadata>>> {
    let (state, req) = parts(ctx)?;
    let Ok(token) = uuid::Uuid::parse_str(token) else {
        return Ok(Err(service::not_found(gid.as_str()).into()));
    };
    let private = visibility == Visibility::Private;
    if private {
        req.require_any(&[Permission::ManageCheckouts, Permission::HandleCheckouts])?;
    }
    let actor = crate::checkout::api::actor(req);
    let result = state
        .checkout
        .update_metadata(
            &token.to_string(),
            &actor,
            private,
            |current| match change {
                Change::Set(items) => metadata::with_set(current, items).ok(),
                Change::Remove(keys) => Some(metadata::without(current, keys)),
            },
        )
        .await;
    match result {
        Ok(Some(c)) => Ok(Ok(Some(ObjectWithMetadata::Checkout(
            crate::checkout::api::CheckoutNode::new(c),
        )))),
        Ok(None) => Ok(Err(service::empty_key().into())),
        Err(crate::checkout::error::CheckoutError::Invalid(_)) => {
            Ok(Err(service::not_found(gid.as_str()).into()))
        }
        Err(crate::checkout::error::CheckoutError::Db(e)) => Err(req.internal(e)),
    }
}
