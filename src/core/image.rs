//! Saleor's `Image` type.

use async_graphql::SimpleObject;

/// Represents an image.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Image")]
pub struct Image {
    /// The URL of the image.
    pub url: String,
    /// Alt text for an image.
    pub alt: Option<String>,
}
