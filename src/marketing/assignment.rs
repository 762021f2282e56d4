//! Deterministic A/B bucketing: a visitor always gets the same variant of a campaign, on
//! every instance, with probabilities proportional to the variants' weights.
//!
//! The bucket is the first 8 bytes of SHA-256(`"{campaign_id}:{visitor_id}"`) as a u64,
//! reduced modulo the total weight (the modulo bias is below 2^-40 for any realistic
//! weights); variants are taken in primary-key order.

use entities::campaign_variant;
use sha2::{Digest, Sha256};

use super::{
    MarketingService,
    types::{CampaignStatus, Code, MResult, MarketingError, clean},
};

/// The stable hash of a visitor within a campaign.
pub fn bucket_hash(campaign_id: i32, visitor_id: &str) -> u64 {
    let digest = Sha256::digest(format!("{campaign_id}:{visitor_id}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

/// Index of the variant whose weight range contains `hash % total`; `None` when the weights
/// sum to zero (or there are no variants).
pub fn pick(weights: &[i32], hash: u64) -> Option<usize> {
    let total: u64 = weights.iter().map(|w| u64::try_from(*w).unwrap_or(0)).sum();
    if total == 0 {
        return None;
    }
    let mut point = hash % total;
    for (i, w) in weights.iter().enumerate() {
        let w = u64::try_from(*w).unwrap_or(0);
        if point < w {
            return Some(i);
        }
        point -= w;
    }
    None
}

impl MarketingService {
    /// The variant of `campaign_id` for `visitor_id`. Unless `preview` (staff and apps
    /// managing campaigns), only a running (`ACTIVE`) campaign answers: any other is
    /// reported exactly as an unknown campaign, so its variants stay private.
    pub async fn assign_variant(
        &self,
        campaign_id: i32,
        visitor_id: &str,
        preview: bool,
    ) -> MResult<campaign_variant::Model> {
        let visitor = clean("visitorId", Some(visitor_id), 255)?
            .ok_or_else(|| MarketingError::required("visitorId"))?;
        self.campaign(campaign_id)
            .await?
            .filter(|c| preview || c.status == CampaignStatus::Active.code())
            .ok_or_else(|| MarketingError::not_found("campaignId", "Campaign"))?;
        let mut variants = self.variants(campaign_id).await?;
        if variants.is_empty() {
            return Err(MarketingError::field(
                "campaignId",
                Code::NotAllowed,
                "The campaign has no variants.",
            ));
        }
        let weights: Vec<i32> = variants.iter().map(|v| v.weight).collect();
        let index = pick(&weights, bucket_hash(campaign_id, &visitor)).ok_or_else(|| {
            MarketingError::field(
                "campaignId",
                Code::InvalidVariantWeights,
                "The variant weights sum to zero.",
            )
        })?;
        Ok(variants.swap_remove(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        assert_eq!(bucket_hash(1, "v-1"), bucket_hash(1, "v-1"));
        assert_ne!(bucket_hash(1, "v-1"), bucket_hash(2, "v-1"));
    }

    #[test]
    fn follows_weights() {
        let weights = [70, 20, 10];
        let mut counts = [0u32; 3];
        let n = 100_000;
        for i in 0..n {
            if let Some(k) = pick(&weights, bucket_hash(7, &format!("visitor-{i}"))) {
                counts[k] += 1;
            }
        }
        for (count, w) in counts.iter().zip(weights) {
            let share = f64::from(*count) / f64::from(n);
            assert!((share - f64::from(w) / 100.0).abs() < 0.01, "{counts:?}");
        }
    }

    #[test]
    fn zero_and_edge_weights() {
        assert_eq!(pick(&[0, 0], 5), None);
        assert_eq!(pick(&[], 5), None);
        assert_eq!(pick(&[0, 3], 0), Some(1));
        assert_eq!(pick(&[1, 0, 1], 1), Some(2));
        assert_eq!(pick(&[5], u64::MAX), Some(0));
    }
}
