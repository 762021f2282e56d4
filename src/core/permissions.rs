//! Saleor's `PermissionEnum` and the one place permission checks are made.

use async_graphql::{Enum, resolver_utils::EnumType};

/// Permissions grantable to staff (through permission groups) and apps, as in Saleor 3.23.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[graphql(name = "PermissionEnum")]
pub enum Permission {
    ManageUsers,
    ManageStaff,
    ImpersonateUser,
    ManageApps,
    #[graphql(
        deprecation = "The observability feature is no longer supported. This permission will be removed in Saleor 3.24."
    )]
    ManageObservability,
    ManageCheckouts,
    HandleCheckouts,
    HandleTaxes,
    ManageTaxes,
    ManageChannels,
    ManageCustomerTypesAndAttributes,
    ManageDiscounts,
    ManageGiftCard,
    ManageMenus,
    ManageOrders,
    ManageOrdersImport,
    ManagePages,
    ManagePageTypesAndAttributes,
    HandlePayments,
    ManagePlugins,
    ManageProducts,
    ManageProductTypesAndAttributes,
    ManageShipping,
    ManageSettings,
    ManageTranslations,
    /// bizgraph: manage leads, segments, scoring rules and marketing statistics.
    ManageLeads,
    /// bizgraph: manage campaigns, their variants and metric reports.
    ManageCampaigns,
}

impl Permission {
    /// Every permission, in Saleor's order.
    pub const ALL: [Permission; 27] = [
        Self::ManageUsers,
        Self::ManageStaff,
        Self::ImpersonateUser,
        Self::ManageApps,
        Self::ManageObservability,
        Self::ManageCheckouts,
        Self::HandleCheckouts,
        Self::HandleTaxes,
        Self::ManageTaxes,
        Self::ManageChannels,
        Self::ManageCustomerTypesAndAttributes,
        Self::ManageDiscounts,
        Self::ManageGiftCard,
        Self::ManageMenus,
        Self::ManageOrders,
        Self::ManageOrdersImport,
        Self::ManagePages,
        Self::ManagePageTypesAndAttributes,
        Self::HandlePayments,
        Self::ManagePlugins,
        Self::ManageProducts,
        Self::ManageProductTypesAndAttributes,
        Self::ManageShipping,
        Self::ManageSettings,
        Self::ManageTranslations,
        Self::ManageLeads,
        Self::ManageCampaigns,
    ];

    /// The code as stored and as shown in GraphQL, e.g. `MANAGE_PRODUCTS`.
    pub fn code(self) -> &'static str {
        <Self as EnumType>::items()
            .iter()
            .find(|item| item.value == self)
            .map_or("", |item| item.name)
    }

    /// Saleor's human-readable name of the permission.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::ManageUsers => "Manage customers.",
            Self::ManageStaff => "Manage staff.",
            Self::ImpersonateUser => "Impersonate user.",
            Self::ManageApps => "Manage apps",
            Self::ManageObservability => "Manage observability",
            Self::ManageCheckouts => "Manage checkouts",
            Self::HandleCheckouts => "Handle checkouts",
            Self::HandleTaxes => "Handle taxes",
            Self::ManageTaxes => "Manage taxes",
            Self::ManageChannels => "Manage channels.",
            Self::ManageCustomerTypesAndAttributes => "Manage customer types and attributes.",
            Self::ManageDiscounts => "Manage sales and vouchers.",
            Self::ManageGiftCard => "Manage gift cards.",
            Self::ManageMenus => "Manage navigation.",
            Self::ManageOrders => "Manage orders.",
            Self::ManageOrdersImport => "Manage orders import.",
            Self::ManagePages => "Manage pages.",
            Self::ManagePageTypesAndAttributes => "Manage page types and attributes.",
            Self::HandlePayments => "Handle payments",
            Self::ManagePlugins => "Manage plugins",
            Self::ManageProducts => "Manage products.",
            Self::ManageProductTypesAndAttributes => "Manage product types and attributes.",
            Self::ManageShipping => "Manage shipping.",
            Self::ManageSettings => "Manage settings.",
            Self::ManageTranslations => "Manage translations.",
            Self::ManageLeads => "Manage leads.",
            Self::ManageCampaigns => "Manage campaigns.",
        }
    }

    /// Parses a stored code; unknown codes (e.g. from a newer version) yield `None`.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.code()), Some(p));
        }
        assert_eq!(Permission::ManageProducts.code(), "MANAGE_PRODUCTS");
        assert_eq!(Permission::parse("NOPE"), None);
    }
}
