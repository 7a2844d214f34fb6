//! JSON Web Tokens: HS256 only, `exp`, `iss`, `aud` and `sub` required, a bounded leeway, and a
//! `typ` claim so that an access token and a refresh token can never stand in for each other.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::settings::AuthSettings;

/// Which of the two tokens this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Access,
    Refresh,
}

/// The claims Hadir signs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The account id.
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    /// Unique per token; for refresh tokens, the id of the stored row.
    pub jti: String,
    pub typ: TokenKind,
    /// The session (login) this token belongs to.
    pub sid: String,
    /// The account's token version when issued: a password change or deactivation bumps it.
    pub ver: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("invalid token")]
    Invalid,
    #[error("wrong kind of token")]
    WrongKind,
}

#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub access_ttl_s: i64,
    pub refresh_ttl_s: i64,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// The SHA-256 of a token, hex: what the database keeps instead of the refresh token itself.
#[must_use]
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl TokenService {
    #[must_use]
    pub fn new(secret: &[u8], settings: &AuthSettings) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = settings.leeway_s.min(30);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl_s: i64::try_from(settings.access_ttl_s).unwrap_or(900),
            refresh_ttl_s: i64::try_from(settings.refresh_ttl_s).unwrap_or(2_592_000),
        }
    }

    /// Signs a token of `kind` for the account `sub` in session `sid`; returns it with its
    /// claims.
    pub fn issue(
        &self,
        kind: TokenKind,
        sub: &str,
        sid: &str,
        ver: i32,
        jti: &str,
    ) -> Result<(String, Claims), String> {
        let now = Utc::now().timestamp();
        let ttl = match kind {
            TokenKind::Access => self.access_ttl_s,
            TokenKind::Refresh => self.refresh_ttl_s,
        };
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.to_owned(),
            exp: now + ttl,
            iat: now,
            nbf: now,
            jti: jti.to_owned(),
            typ: kind,
            sid: sid.to_owned(),
            ver,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| format!("signing a token: {e}"))?;
        Ok((token, claims))
    }

    /// Checks signature, algorithm, expiry, issuer, audience, required claims and the kind, and
    /// that the token was not issued in the future (beyond the leeway): no clock of ours made it.
    pub fn verify(&self, token: &str, kind: TokenKind) -> Result<Claims, TokenError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let leeway = i64::try_from(self.validation.leeway).unwrap_or(30);
        if data.claims.iat > Utc::now().timestamp() + leeway {
            return Err(TokenError::Invalid);
        }
        if data.claims.typ == kind {
            Ok(data.claims)
        } else {
            Err(TokenError::WrongKind)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn service() -> TokenService {
        TokenService::new(SECRET, &AuthSettings::default())
    }

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    fn claims_json(exp_offset: i64) -> serde_json::Value {
        let now = Utc::now().timestamp();
        serde_json::json!({
            "iss": "hadir", "aud": "hadir-api", "sub": "u1", "exp": now + exp_offset,
            "iat": now, "nbf": now, "jti": "j", "typ": "access", "sid": "s", "ver": 0
        })
    }

    fn sign(header: &serde_json::Value, claims: &serde_json::Value, alg: Algorithm) -> String {
        let mut h = Header::new(alg);
        if let Some(kid) = header.get("kid") {
            h.kid = kid.as_str().map(str::to_owned);
        }
        encode(&h, claims, &EncodingKey::from_secret(SECRET)).unwrap()
    }

    #[test]
    fn an_issued_access_token_verifies_as_access_only() {
        let s = service();
        let (token, _) = s.issue(TokenKind::Access, "u1", "s1", 0, "j1").unwrap();
        assert_eq!(s.verify(&token, TokenKind::Access).unwrap().sub, "u1");
        assert_eq!(
            s.verify(&token, TokenKind::Refresh).unwrap_err(),
            TokenError::WrongKind
        );
    }

    #[test]
    fn a_refresh_token_is_not_an_access_token() {
        let s = service();
        let (token, _) = s.issue(TokenKind::Refresh, "u1", "s1", 0, "j1").unwrap();
        assert_eq!(
            s.verify(&token, TokenKind::Access).unwrap_err(),
            TokenError::WrongKind
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let token = format!(
            "{}.{}.",
            b64(&serde_json::json!({"alg": "none", "typ": "JWT"})),
            b64(&claims_json(600))
        );
        assert_eq!(
            service().verify(&token, TokenKind::Access).unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn another_hmac_algorithm_is_refused_even_with_the_right_key() {
        let token = sign(&serde_json::json!({}), &claims_json(600), Algorithm::HS512);
        assert_eq!(
            service().verify(&token, TokenKind::Access).unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn missing_required_claims_are_refused() {
        for claim in ["iss", "aud", "sub", "exp"] {
            let mut claims = claims_json(600);
            claims.as_object_mut().unwrap().remove(claim);
            let token = sign(&serde_json::json!({}), &claims, Algorithm::HS256);
            assert!(
                service().verify(&token, TokenKind::Access).is_err(),
                "without {claim}"
            );
        }
    }

    #[test]
    fn wrong_issuer_or_audience_is_refused() {
        for (k, v) in [("iss", "someone-else"), ("aud", "another-api")] {
            let mut claims = claims_json(600);
            claims[k] = serde_json::json!(v);
            let token = sign(&serde_json::json!({}), &claims, Algorithm::HS256);
            assert!(service().verify(&token, TokenKind::Access).is_err(), "{k}");
        }
    }

    #[test]
    fn expiry_allows_the_leeway_and_no_more() {
        let s = service();
        let within = sign(&serde_json::json!({}), &claims_json(-20), Algorithm::HS256);
        assert!(s.verify(&within, TokenKind::Access).is_ok());
        let beyond = sign(&serde_json::json!({}), &claims_json(-31), Algorithm::HS256);
        assert!(s.verify(&beyond, TokenKind::Access).is_err());
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused_beyond_the_leeway() {
        let s = service();
        for (ahead, ok) in [(20, true), (31, false), (3600, false)] {
            let mut claims = claims_json(7200);
            claims["iat"] = serde_json::json!(Utc::now().timestamp() + ahead);
            let token = sign(&serde_json::json!({}), &claims, Algorithm::HS256);
            assert_eq!(s.verify(&token, TokenKind::Access).is_ok(), ok, "{ahead}");
        }
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims_json(600),
            &EncodingKey::from_secret(b"another-secret-another-secret-xx"),
        )
        .unwrap();
        assert!(service().verify(&token, TokenKind::Access).is_err());
    }
}
