//! Saleor's `Image` type, shared by every domain that shows images.

use async_graphql::SimpleObject;

/// Represents an image.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Image")]
pub struct Image {
    /// The URL of the image.
    #[graphql(complexity = 0)]
    pub url: String,
    /// Alt text for an image.
    #[graphql(complexity = 0)]
    pub alt: Option<String>,
}
