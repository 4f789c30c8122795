//! Every kind of id, with its prefix written once (SPEC §3). The Discover family's ids are
//! prefixed (`camp_…`, `job_…`, `ds_…`, `tmpl_…`, `key_…`); the Make family's are UUIDs, as the
//! seed's are. Queue tasks (`task_…`) are internal.
//!
//! An id is parsed at the edge (a malformed one is simply not found) and carried typed from
//! there to the database and back, so a campaign id cannot be passed where a job id belongs.

use crate::vocabulary::{prefixed_id, text_column};

prefixed_id! {
    /// A campaign: `camp_…`.
    pub struct CampaignId("camp", "campaign id")
}

prefixed_id! {
    /// A job of `/v1/jobs`, one run of a campaign's optimisation: `job_…`.
    pub struct JobId("job", "job id")
}

prefixed_id! {
    /// A dataset: `ds_…`.
    pub struct DatasetId("ds", "dataset id")
}

prefixed_id! {
    /// A template: `tmpl_…` (built-in ones are named after their slug, e.g.
    /// `tmpl_battery_nmc-cathode`).
    pub struct TemplateId("tmpl", "template id")
}

prefixed_id! {
    /// An API key: `key_…`.
    pub struct ApiKeyId("key", "API key id")
}

prefixed_id! {
    /// A task of the durable queue that workers claim (internal; never in the API): `task_…`.
    /// Rows queued before tasks had their own prefix keep their `job_…` ids.
    pub struct TaskId("task", "task id")
}

prefixed_id! {
    /// A one-time secret mailed to an account's address (internal; part of a mailed link):
    /// `chal_…`.
    pub struct ChallengeId("chal", "challenge id")
}

prefixed_id! {
    /// A signed-in browser: `sess_…` (not the cookie, which is a separate secret).
    pub struct SessionId("sess", "session id")
}

/// Defines an id that is a lower-case hyphenated UUID.
macro_rules! uuid_id {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($human:literal)) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        $vis struct $name(String);

        impl $name {
            /// The id, if `text` is a lower-case hyphenated UUID.
            pub fn parse(text: &str) -> Option<Self> {
                is_uuid(text).then(|| Self(text.to_owned()))
            }

            /// A new random (version 4) UUID.
            #[cfg(feature = "server")]
            pub fn generate() -> Self {
                Self(generate_uuid())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::vocabulary::UnknownName;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text).ok_or_else(|| crate::vocabulary::UnknownName {
                    set: $human,
                    name: text.to_owned(),
                })
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        text_column!($name);
    };
}

uuid_id! {
    /// An account (a UUID, as the seed's `account_id`).
    pub struct AccountId("account id")
}

uuid_id! {
    /// An uploaded part (a UUID, as the seed's `file_id`).
    pub struct FileId("file id")
}

/// True for a lower-case hyphenated UUID (`8-4-4-4-12` hex digits).
fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

#[cfg(feature = "server")]
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A new id `"{prefix}_{26 chars}"`: 48 bits of milliseconds then 80 random bits, Crockford
/// base32 in lower case, so ids sort by creation time and cannot be guessed.
#[cfg(feature = "server")]
pub fn generate(prefix: &str) -> String {
    use rand::RngCore;
    let mut random = [0u8; 10];
    rand::rng().fill_bytes(&mut random);
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
        & ((1 << 48) - 1);
    let mut value = ms << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..26).rev() {
        let idx = ((value >> (5 * i)) & 31) as usize;
        out.push(ALPHABET[idx] as char);
    }
    out
}

/// A new random (version 4) UUID, lower-case and hyphenated.
#[cfg(feature = "server")]
pub fn generate_uuid() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_parses_only_with_its_own_prefix() {
        assert!(CampaignId::parse("camp_01abc").is_some());
        assert!(CampaignId::parse("job_01abc").is_none());
        assert!(CampaignId::parse("camp_").is_none());
        assert!(CampaignId::parse("camp01abc").is_none());
        assert!(CampaignId::parse("camp_01ABC").is_none());
        assert!(CampaignId::parse("camp_01 abc").is_none());
        assert!(TemplateId::parse("tmpl_battery_nmc-cathode").is_some());
        assert!(JobId::parse(&format!("job_{}", "a".repeat(200))).is_none());
        assert_eq!(
            "ds_x".parse::<CampaignId>().unwrap_err().to_string(),
            "unknown campaign id 'ds_x'"
        );
    }

    #[test]
    fn ids_go_over_the_wire_as_plain_strings_and_are_checked_coming_back() {
        let id = JobId::parse("job_abc").unwrap();
        assert_eq!(serde_json::to_value(&id).unwrap(), "job_abc");
        assert_eq!(serde_json::from_str::<JobId>("\"job_abc\"").unwrap(), id);
        assert!(serde_json::from_str::<JobId>("\"camp_abc\"").is_err());
    }

    #[test]
    fn uuids_are_lower_case_and_hyphenated() {
        assert!(FileId::parse("0b6f7d1c-3f3e-4a51-9a37-5c3f1b2d7e90").is_some());
        assert!(FileId::parse("0B6F7D1C-3F3E-4A51-9A37-5C3F1B2D7E90").is_none());
        assert!(FileId::parse("0b6f7d1c3f3e4a519a375c3f1b2d7e90").is_none());
        assert!(AccountId::parse("not-a-uuid").is_none());
    }

    #[cfg(feature = "server")]
    #[test]
    fn generated_ids_parse_sort_by_time_and_differ() {
        let a = CampaignId::generate();
        std::thread::sleep(std::time::Duration::from_millis(3));
        let b = CampaignId::generate();
        assert!(CampaignId::parse(a.as_str()).is_some());
        assert_eq!(a.as_str().len(), "camp_".len() + 26);
        assert!(a < b);
        let u = FileId::generate();
        assert!(FileId::parse(u.as_str()).is_some());
        assert_eq!(&u.as_str()[14..15], "4");
    }
}
