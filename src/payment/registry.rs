//! Every payment gateway the server knows, by id and by URL key.

use super::gateway::PaymentGateway;
use super::{paypal::PayPal, payu::PayU, razorpay::Razorpay};

/// All gateways; adding one is one line here.
pub fn all() -> &'static [&'static dyn PaymentGateway] {
    &[
        &super::dummy::Dummy,
        &super::stripe::Stripe,
        &PayPal,
        &Razorpay,
        &PayU,
    ]
}

/// The gateway with API id `id` (e.g. `app.saleor.stripe`).
pub fn by_id(id: &str) -> Option<&'static dyn PaymentGateway> {
    all().iter().copied().find(|g| g.id() == id)
}

/// The gateway with URL/config key `key` (e.g. `stripe`).
pub fn by_key(key: &str) -> Option<&'static dyn PaymentGateway> {
    all().iter().copied().find(|g| g.key() == key)
}
