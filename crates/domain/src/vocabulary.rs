//! How closed sets of names are defined: each one is a Rust enum written once, with its wire
//! names, and that enum is what the database row, the service, the wire type and the page all
//! hold. The macro gives every such enum the same surface:
//!
//! - serde names (the wire and stored names are the same), and an OpenAPI schema listing them;
//! - `ALL`, `NAMES`, `as_str`, `parse`, `FromStr` and `Display`;
//! - with the `server` feature, sqlx `Type`/`Encode`/`Decode` for the `Any` driver, stored as
//!   text, so a repository binds and reads the enum itself (a stored name that is not in the
//!   set is a decode error, never a silent default).
//!
//! The SQL `CHECK (… IN …)` lists in `migrations/` are tested against each enum's `ALL` on both
//! backends (`crates/store/tests/store/vocabulary.rs`).

/// A stored or sent name that is not one of a closed set's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {set} '{name}'")]
pub struct UnknownName {
    /// The set, e.g. `campaign status`.
    pub set: &'static str,
    /// What was given.
    pub name: String,
}

/// Defines a closed set: `closed_set! { /// docs  pub enum X("human name") { /// docs  A = "a", … } }`.
macro_rules! closed_set {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident($human:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant ),+
        }

        impl $name {
            /// Every member, in the order they are declared.
            pub const ALL: &'static [$name] = &[ $($name::$variant),+ ];

            /// Every member's wire name, in the same order (for filters that accept the set).
            pub const NAMES: &'static [&'static str] = &[ $($wire),+ ];

            /// The wire (and stored) name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The member with this wire name.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocabulary::UnknownName;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text).ok_or_else(|| $crate::vocabulary::UnknownName {
                    set: $human,
                    name: text.to_owned(),
                })
            }
        }

        // Written out rather than derived: the schema's `enum` must list the wire names, and
        // the derive cannot read a rename given through a macro.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::NAMES.iter().copied()))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        #[cfg(feature = "server")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <str as sqlx::Type<sqlx::Any>>::type_info()
            }
        }

        #[cfg(feature = "server")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Any>>::encode(self.as_str(), buf)
            }
        }

        #[cfg(feature = "server")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok(text.parse::<$name>()?)
            }
        }
    };
}

pub(crate) use closed_set;

/// Defines an id with a fixed prefix: `prefixed_id! { /// docs  pub struct XId("x", "human") }`.
/// Ids are `"{prefix}_{suffix}"` where the suffix is lower-case letters, digits, `-` and `_`
/// (generated ids: 26 characters of Crockford base32 that sort by creation time).
macro_rules! prefixed_id {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($prefix:literal, $human:literal)
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        $vis struct $name(String);

        impl $name {
            /// The prefix every such id starts with, before its `_`.
            pub const PREFIX: &'static str = $prefix;

            /// The id, if `text` has this id's shape (prefix, `_`, a non-empty suffix of
            /// lower-case letters, digits, `-` and `_`, at most 128 characters in all).
            pub fn parse(text: &str) -> Option<Self> {
                let suffix = text.strip_prefix($prefix)?.strip_prefix('_')?;
                let ok = !suffix.is_empty()
                    && text.len() <= 128
                    && suffix
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
                ok.then(|| Self(text.to_owned()))
            }

            /// A new random id that sorts after the ones made before it.
            #[cfg(feature = "server")]
            pub fn generate() -> Self {
                Self($crate::ids::generate($prefix))
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
            type Err = $crate::vocabulary::UnknownName;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text).ok_or_else(|| $crate::vocabulary::UnknownName {
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

        $crate::vocabulary::text_column!($name);
    };
}

pub(crate) use prefixed_id;

/// sqlx `Type`/`Encode`/`Decode` (for the `Any` driver, as text) for a newtype over `String`
/// whose `FromStr` validates.
macro_rules! text_column {
    ($name:ident) => {
        #[cfg(feature = "server")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <str as sqlx::Type<sqlx::Any>>::type_info()
            }
        }

        #[cfg(feature = "server")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&self.0, buf)
            }
        }

        #[cfg(feature = "server")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok(text.parse::<$name>()?)
            }
        }
    };
}

pub(crate) use text_column;
