//! Account reference prices: each declared account's collateral coins' price when first seen or last acknowledged.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{Store, StoreError};

/// The meta key of an account's reference prices (`account-ref/<name>`, `/` and `%` escaped).
fn key(account: &str) -> Vec<u8> {
    super::keys::named_key("account-ref/", account).into_bytes()
}

impl Store {
    /// The reference price of each collateral coin of `account` (upper-case coin → price);
    /// empty when none was recorded.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn account_references(
        &self,
        account: &str,
    ) -> Result<BTreeMap<String, Decimal>, StoreError> {
        Ok(self.get_json(&key(account))?.unwrap_or_default())
    }

    /// Replaces the reference prices of `account` (one small value, written only when a coin
    /// is first seen or acknowledged).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn put_account_references(
        &self,
        account: &str,
        references: &BTreeMap<String, Decimal>,
    ) -> Result<(), StoreError> {
        self.put_json(&key(account), references)?;
        self.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    #[test]
    fn references_round_trip_per_account() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(store.account_references("a/b").unwrap().is_empty());
        let refs = BTreeMap::from([("ETH".to_owned(), Decimal::new(30005, 1))]);
        store.put_account_references("a/b", &refs).unwrap();
        assert_eq!(store.account_references("a/b").unwrap(), refs);
        assert!(store.account_references("a%2Fb").unwrap().is_empty());
        store.close().unwrap();
    }
}
