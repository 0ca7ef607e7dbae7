//! Standard Webhooks signing (pure): `webhook-id`, `webhook-timestamp`, `webhook-signature`.
//!
//! Spec: <https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md>.
//! The signature is `v1,` + base64 of HMAC-SHA256 over `"{id}.{timestamp}.{body}"`, keyed with the
//! base64-decoded part of the secret after `whsec_`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest as _, Sha256};

use super::{NotifyError, Secret};

type HmacSha256 = Hmac<Sha256>;

/// Prefix of Standard Webhooks secrets.
pub const SECRET_PREFIX: &str = "whsec_";

/// Decodes a `whsec_<base64>` secret into the HMAC key (the prefix is optional, as in the
/// reference libraries).
///
/// # Errors
/// [`NotifyError::InvalidSecret`] (without a sink name) when the key is not base64 or is empty.
pub fn decode_secret(secret: &Secret) -> Result<Vec<u8>, NotifyError> {
    let raw = secret.expose().trim();
    let b64 = raw.strip_prefix(SECRET_PREFIX).unwrap_or(raw);
    let key = STANDARD
        .decode(b64)
        .map_err(|_| NotifyError::InvalidSecret {
            sink: String::new(),
            reason: "the part after `whsec_` is not base64",
        })?;
    if key.is_empty() {
        return Err(NotifyError::InvalidSecret {
            sink: String::new(),
            reason: "the key is empty",
        });
    }
    Ok(key)
}

/// `v1,<base64 signature>` of one message.
///
/// # Errors
/// When the secret cannot be decoded.
pub fn signature(
    secret: &Secret,
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, NotifyError> {
    let key = decode_secret(secret)?;
    let mut mac = HmacSha256::new_from_slice(&key).map_err(|_| NotifyError::InvalidSecret {
        sink: String::new(),
        reason: "the key length is not accepted",
    })?;
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The three Standard Webhooks headers for one delivery attempt.
///
/// # Errors
/// When the secret cannot be decoded ([`NotifyError::InvalidSecret`]; name the sink with
/// [`NotifyError::for_sink`]).
pub fn standard_webhook_headers(
    secret: &Secret,
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> Result<Vec<(&'static str, String)>, NotifyError> {
    Ok(vec![
        ("webhook-id", msg_id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            signature(secret, msg_id, timestamp, body)?,
        ),
    ])
}

/// A message id stable for one message across its retries: `msg_` + 32 hex digits of
/// SHA-256(`"{timestamp}.{body}"`).
#[must_use]
pub fn message_id(timestamp: i64, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(timestamp.to_string().as_bytes());
    h.update(b".");
    h.update(body.as_bytes());
    let digest = h.finalize();
    let mut id = String::with_capacity(36);
    id.push_str("msg_");
    for b in digest.iter().take(16) {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    id
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector published with the Standard Webhooks / Svix reference libraries (e.g. the Svix
    /// PHP and Go test suites): secret, id, timestamp and body below must sign to this value.
    #[test]
    fn reference_vector() {
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
        let headers = standard_webhook_headers(
            &secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(
            headers,
            vec![
                ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".to_owned()),
                ("webhook-timestamp", "1614265330".to_owned()),
                (
                    "webhook-signature",
                    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_owned()
                ),
            ]
        );
        // The prefix is optional, as in the reference libraries.
        let bare = Secret::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
        assert_eq!(
            signature(
                &bare,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#
            )
            .unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn any_change_changes_the_signature() {
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
        let base = signature(&secret, "msg_1", 1, "{}").unwrap();
        assert_ne!(base, signature(&secret, "msg_2", 1, "{}").unwrap());
        assert_ne!(base, signature(&secret, "msg_1", 2, "{}").unwrap());
        assert_ne!(base, signature(&secret, "msg_1", 1, "{ }").unwrap());
    }

    #[test]
    fn bad_secrets_are_rejected_without_echoing_them() {
        for bad in ["whsec_not base64!!CANARY", "whsec_"] {
            let err = signature(&Secret::new(bad.into()), "msg_1", 1, "{}").unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(matches!(err, NotifyError::InvalidSecret { .. }), "{text}");
            assert!(!text.contains("CANARY"), "{text}");
        }
    }

    #[test]
    fn message_ids_are_stable_and_distinct() {
        let a = message_id(1, "{}");
        assert_eq!(a, message_id(1, "{}"));
        assert_eq!(a.len(), 36);
        assert!(a.starts_with("msg_"));
        assert_ne!(a, message_id(2, "{}"));
        assert_ne!(a, message_id(1, "{ }"));
    }
}
