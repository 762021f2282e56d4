//! Uploaded product images and their thumbnails.
//!
//! - **Originals** live in the database (`product_media_file`, a BLOB/bytea next to the
//!   `product_media` row), so any number of stateless instances can serve them and make
//!   thumbnails from them; deleting the media (or its product) deletes the file.
//! - **Thumbnails** (`GET /thumbnail/{media id}/{size}/[{format}/]`, Saleor's URL shape) are
//!   made on the first request, on the blocking pool, and cached on this instance's disk
//!   (`BIZGRAPH_THUMBNAIL_CACHE_DIR`) under the original's SHA-256, so a cache entry is
//!   never stale. Concurrent first requests for one thumbnail share one encode.
//! - **URLs**: an uploaded image's `product_media.image_url` is a path on this server
//!   (`/media/products/{pk}/{sha256 prefix}.{ext}`); [`image_url`] turns it into an absolute
//!   URL (original) or a thumbnail URL. Media added by URL keep their URL and are never
//!   fetched by the server.

pub mod codec;
pub mod demo;
pub mod http;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use async_graphql::Context;
use axum::body::Bytes;
use entities::product_media_file;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use tokio::sync::{OnceCell, Semaphore};

use self::codec::{ImageError, Probed, SourceFormat, ThumbFormat};
use crate::catalog::api::common::ThumbnailFormatEnum;

/// An upload that passed validation, ready to be stored.
#[derive(Clone, Debug)]
pub struct ValidImage {
    pub probed: Probed,
    pub sha256: String,
    pub data: Vec<u8>,
}

impl ValidImage {
    /// The server path of the original: `/media/products/{pk}/{sha256 prefix}.{ext}`.
    pub fn path(&self, media_pk: i32) -> String {
        original_path(media_pk, &self.sha256, self.probed.format)
    }
}

fn original_path(media_pk: i32, sha256: &str, format: SourceFormat) -> String {
    format!(
        "/media/products/{media_pk}/{}.{}",
        sha_prefix(sha256),
        format.extension()
    )
}

fn sha_prefix(sha256: &str) -> &str {
    sha256.get(..16).unwrap_or(sha256)
}

/// The primary key of the media whose stored `image_url` is `url`, if it is an uploaded
/// image (a path on this server) rather than an external URL.
pub fn uploaded_media_pk(url: &str) -> Option<i32> {
    let rest = url.strip_prefix("/media/products/")?;
    let (pk, _file) = rest.split_once('/')?;
    pk.parse().ok()
}

/// `/thumbnail/{id}/{size}/` (original format) or `/thumbnail/{id}/{size}/{format}/`.
fn thumbnail_path(media_pk: i32, size: u32, format: ThumbFormat) -> String {
    let id = crate::core::id::encode("ProductMedia", media_pk);
    match format {
        ThumbFormat::Original => format!("/thumbnail/{}/{size}/", id.0),
        other => format!("/thumbnail/{}/{size}/{}/", id.0, other.as_str()),
    }
}

/// The URL of an image at `size` in `format`, as Saleor answers it: an external URL as is;
/// an uploaded image's original (absolute URL on this server) when `size` is omitted or 0;
/// otherwise the URL of its thumbnail at the closest thumbnail size.
pub fn image_url(
    ctx: &Context<'_>,
    url: &str,
    size: Option<i32>,
    format: Option<ThumbnailFormatEnum>,
) -> String {
    let Some(pk) = uploaded_media_pk(url) else {
        return url.to_owned();
    };
    let base = ctx
        .data::<crate::state::AppState>()
        .map(|s| s.config.public_url())
        .unwrap_or_default();
    match size {
        None | Some(0) => format!("{base}{url}"),
        Some(size) => {
            let format = match format {
                Some(ThumbnailFormatEnum::Webp) => ThumbFormat::Webp,
                Some(ThumbnailFormatEnum::Avif) => ThumbFormat::Avif,
                Some(ThumbnailFormatEnum::Original) | None => ThumbFormat::Original,
            };
            let path = thumbnail_path(pk, codec::snap_size(i64::from(size)), format);
            format!("{base}{path}")
        }
    }
}

/// Inserts the stored original of media `media_pk` (inside the caller's transaction).
pub async fn insert_file(
    conn: &impl ConnectionTrait,
    media_pk: i32,
    image: ValidImage,
) -> Result<(), DbErr> {
    product_media_file::ActiveModel {
        media_id: Set(media_pk),
        content_type: Set(image.probed.format.content_type().to_owned()),
        width: Set(i32::try_from(image.probed.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(image.probed.height).unwrap_or(i32::MAX)),
        byte_size: Set(i64::try_from(image.data.len()).unwrap_or(i64::MAX)),
        sha256: Set(image.sha256),
        data: Set(image.data),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Deletes the stored original of media `media_pk`, returning its SHA-256 (inside the
/// caller's transaction; the foreign key would cascade too).
pub async fn delete_file(
    conn: &impl ConnectionTrait,
    media_pk: i32,
) -> Result<Option<String>, DbErr> {
    let sha = file_meta(conn, media_pk).await?.map(|m| m.sha256);
    product_media_file::Entity::delete_by_id(media_pk)
        .exec(conn)
        .await?;
    Ok(sha)
}

/// What the thumbnail endpoint needs to know about a stored original, without its bytes.
#[derive(Clone, Debug)]
pub struct FileMeta {
    pub media_pk: i32,
    pub format: SourceFormat,
    pub sha256: String,
}

async fn file_meta(conn: &impl ConnectionTrait, media_pk: i32) -> Result<Option<FileMeta>, DbErr> {
    let row: Option<(String, String)> = product_media_file::Entity::find()
        .select_only()
        .column(product_media_file::Column::ContentType)
        .column(product_media_file::Column::Sha256)
        .filter(product_media_file::Column::MediaId.eq(media_pk))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row.and_then(|(content_type, sha256)| {
        Some(FileMeta {
            media_pk,
            format: SourceFormat::from_content_type(&content_type)?,
            sha256,
        })
    }))
}

/// Why a thumbnail could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    /// The media has no stored original (deleted, added by URL, or never existed).
    #[error("not found")]
    NotFound,
    /// The stored original does not decode (should not happen: uploads are validated).
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("the thumbnail task failed: {0}")]
    Task(String),
}

/// Validation, storage lookups and the per-instance thumbnail cache. Cheap to clone.
#[derive(Clone)]
pub struct MediaService {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    cache_dir: PathBuf,
    max_pixels: u64,
    /// Thumbnails being made right now, by cache file: concurrent first requests for one
    /// thumbnail wait for the same encode instead of starting their own.
    inflight: Mutex<HashMap<PathBuf, Arc<OnceCell<Bytes>>>>,
    /// Bounds concurrent decodes/encodes to the number of CPUs, so a burst of distinct
    /// thumbnails queues instead of exhausting memory and the blocking pool.
    cpu: Semaphore,
    /// Thumbnails encoded by this instance (cache misses), for tests and metrics.
    encodes: AtomicU64,
}

impl MediaService {
    pub fn new(db: DatabaseConnection, cache_dir: PathBuf, max_pixels: u64) -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            inner: Arc::new(Inner {
                db,
                cache_dir,
                max_pixels,
                inflight: Mutex::new(HashMap::new()),
                cpu: Semaphore::new(cpus),
                encodes: AtomicU64::new(0),
            }),
        }
    }

    /// The directory thumbnails are cached in.
    pub fn cache_dir(&self) -> &Path {
        &self.inner.cache_dir
    }

    /// Number of thumbnails this instance has encoded (cache misses).
    pub fn encodes(&self) -> u64 {
        self.inner.encodes.load(Ordering::Relaxed)
    }

    /// Reads and validates an upload (content sniffing, pixel limit, full decode) on the
    /// blocking pool.
    pub async fn validate(
        &self,
        mut upload: impl std::io::Read + Send + 'static,
    ) -> Result<ValidImage, ImageError> {
        let max_pixels = self.inner.max_pixels;
        let _permit = self.inner.cpu.acquire().await;
        tokio::task::spawn_blocking(move || {
            let mut data = Vec::new();
            upload
                .read_to_end(&mut data)
                .map_err(|e| ImageError::Corrupt(format!("the upload could not be read: {e}")))?;
            let probed = codec::validate(&data, max_pixels)?;
            let sha256 = hex::encode(Sha256::digest(&data));
            Ok(ValidImage {
                probed,
                sha256,
                data,
            })
        })
        .await
        .map_err(|e| ImageError::Corrupt(format!("validation task failed: {e}")))?
    }

    /// The stored original's metadata (no bytes), or `None`.
    pub async fn meta(&self, media_pk: i32) -> Result<Option<FileMeta>, DbErr> {
        file_meta(&self.inner.db, media_pk).await
    }

    /// The stored original's bytes, if `file` is its current file name.
    pub async fn original(
        &self,
        media_pk: i32,
        file: &str,
    ) -> Result<Option<(FileMeta, Bytes)>, DbErr> {
        let Some(row) = product_media_file::Entity::find_by_id(media_pk)
            .one(&self.inner.db)
            .await?
        else {
            return Ok(None);
        };
        let Some(format) = SourceFormat::from_content_type(&row.content_type) else {
            return Ok(None);
        };
        if original_path(media_pk, &row.sha256, format)
            != format!("/media/products/{media_pk}/{file}")
        {
            return Ok(None);
        }
        let meta = FileMeta {
            media_pk,
            format,
            sha256: row.sha256,
        };
        Ok(Some((meta, Bytes::from(row.data))))
    }

    fn cache_path(&self, meta: &FileMeta, size: u32, format: ThumbFormat) -> PathBuf {
        // Keyed by content: an entry can never be stale, and media with identical files
        // share entries.
        self.inner.cache_dir.join(&meta.sha256).join(format!(
            "{size}-{}.{}",
            format.as_str(),
            format.extension(meta.format)
        ))
    }

    /// The thumbnail of `meta`'s original at `size` (a [`codec::THUMBNAIL_SIZES`] entry) in
    /// `format`: from the disk cache, or made now (one encode for concurrent requests).
    pub async fn thumbnail(
        &self,
        meta: &FileMeta,
        size: u32,
        format: ThumbFormat,
    ) -> Result<Bytes, ThumbnailError> {
        let path = self.cache_path(meta, size, format);
        if let Ok(bytes) = tokio::fs::read(&path).await {
            return Ok(Bytes::from(bytes));
        }
        let cell = {
            let mut inflight = self
                .inner
                .inflight
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            inflight.entry(path.clone()).or_default().clone()
        };
        let result = cell
            .get_or_try_init(|| self.make_thumbnail(meta, size, format, &path))
            .await
            .cloned();
        // The file is on disk now (or writing it failed): later requests read it directly.
        self.inner
            .inflight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&path);
        result
    }

    async fn make_thumbnail(
        &self,
        meta: &FileMeta,
        size: u32,
        format: ThumbFormat,
        path: &Path,
    ) -> Result<Bytes, ThumbnailError> {
        // A request that missed the cache just before an encode finished lands here.
        if let Ok(bytes) = tokio::fs::read(path).await {
            return Ok(Bytes::from(bytes));
        }
        let data: Option<Vec<u8>> = product_media_file::Entity::find()
            .select_only()
            .column(product_media_file::Column::Data)
            .filter(product_media_file::Column::MediaId.eq(meta.media_pk))
            .into_tuple()
            .one(&self.inner.db)
            .await?;
        let data = data.ok_or(ThumbnailError::NotFound)?;
        let (source, max_pixels) = (meta.format, self.inner.max_pixels);
        let permit = self.inner.cpu.acquire().await;
        let started = std::time::Instant::now();
        let encoded = tokio::task::spawn_blocking(move || {
            codec::thumbnail(&data, source, size, format, max_pixels)
        })
        .await
        .map_err(|e| ThumbnailError::Task(e.to_string()))??;
        drop(permit);
        self.inner.encodes.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            media = meta.media_pk,
            size,
            format = format.as_str(),
            bytes = encoded.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "thumbnail encoded"
        );
        let bytes = Bytes::from(encoded);
        if let Err(e) = write_atomically(path, &bytes).await {
            // Serve it anyway; the next request encodes again.
            tracing::warn!(path = %path.display(), error = %e, "could not cache a thumbnail");
        }
        Ok(bytes)
    }

    /// Drops this instance's cached thumbnails of an original (after its media was deleted).
    /// Other instances keep theirs until pruned, but never serve them: every request checks
    /// the database first.
    pub async fn forget(&self, sha256: &str) {
        if sha256.is_empty() || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return;
        }
        let dir = self.inner.cache_dir.join(sha256);
        if let Err(e) = tokio::fs::remove_dir_all(&dir).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %dir.display(), error = %e, "could not remove cached thumbnails");
        }
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so readers
/// never see a partial file.
async fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("cache path has no parent"))?;
    tokio::fs::create_dir_all(dir).await?;
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    tokio::fs::write(&tmp, bytes).await?;
    if let Err(e) = tokio::fs::rename(&tmp, path).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_paths_round_trip() {
        let sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let path = original_path(42, sha, SourceFormat::Png);
        assert_eq!(path, "/media/products/42/0123456789abcdef.png");
        assert_eq!(uploaded_media_pk(&path), Some(42));
        assert_eq!(uploaded_media_pk("https://cdn.example.com/a.png"), None);
        assert_eq!(uploaded_media_pk("/media/products/x/a.png"), None);
    }

    #[test]
    fn thumbnail_paths_follow_saleor() {
        let id = crate::core::id::encode("ProductMedia", 7).0;
        assert_eq!(
            thumbnail_path(7, 256, ThumbFormat::Webp),
            format!("/thumbnail/{id}/256/webp/")
        );
        assert_eq!(
            thumbnail_path(7, 64, ThumbFormat::Original),
            format!("/thumbnail/{id}/64/")
        );
    }
}
