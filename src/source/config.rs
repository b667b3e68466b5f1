//! The image config: what imgsize reads of it (platform, user, diff_ids, history),
//! parsed leniently, since real configs leave out or null most fields.

use serde::Deserialize;

use crate::error::{Error, Result};

/// A history entry of the image config.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct History {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub empty_layer: Option<bool>,
}

/// What imgsize uses of the image config.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub os: Option<String>,
    pub architecture: Option<String>,
    pub variant: Option<String>,
    pub user: Option<String>,
    pub diff_ids: Vec<String>,
    pub history: Vec<History>,
}

#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    config: Option<RawRuntime>,
    #[serde(default)]
    rootfs: Option<RawRootfs>,
    #[serde(default, deserialize_with = "bounded_history")]
    history: Option<Vec<History>>,
}

/// History entries read at most: one per layer and instruction, so real images
/// have tens to hundreds. Each entry costs about a hundred bytes whatever its
/// JSON's size (`{}` is two), so a crafted config of empty entries must not be
/// read without bound.
pub(crate) const MAX_HISTORY: usize = 1 << 16;

fn bounded_history<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Vec<History>>, D::Error> {
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Option<Vec<History>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of history entries")
        }
        fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(h) = seq.next_element::<History>()? {
                if out.len() == MAX_HISTORY {
                    return Err(serde::de::Error::custom(format!(
                        "history of more than {MAX_HISTORY} entries"
                    )));
                }
                out.push(h);
            }
            Ok(Some(out))
        }
    }
    d.deserialize_option(Bounded)
}

#[derive(Deserialize)]
struct RawRuntime {
    #[serde(rename = "User", default)]
    user: Option<String>,
}

#[derive(Deserialize)]
struct RawRootfs {
    #[serde(default)]
    diff_ids: Option<Vec<String>>,
}

impl Config {
    pub fn parse(data: &[u8], place: &str) -> Result<Config> {
        let raw: RawConfig = serde_json::from_slice(data)
            .map_err(|e| Error::format(place, format!("image config is not valid JSON: {e}")))?;
        Ok(Config {
            os: raw.os,
            architecture: raw.architecture,
            variant: raw.variant,
            user: raw.config.and_then(|c| c.user),
            diff_ids: raw.rootfs.and_then(|r| r.diff_ids).unwrap_or_default(),
            history: raw.history.unwrap_or_default(),
        })
    }

    /// The platform alone (`os/arch[/variant]`), for choosing among a tarball's
    /// images: the rest of the config is skipped, not kept.
    pub(crate) fn parse_platform(data: &[u8], place: &str) -> Result<Option<String>> {
        #[derive(Deserialize)]
        struct Platform {
            #[serde(default)]
            architecture: Option<String>,
            #[serde(default)]
            os: Option<String>,
            #[serde(default)]
            variant: Option<String>,
        }
        let p: Platform = serde_json::from_slice(data)
            .map_err(|e| Error::format(place, format!("image config is not valid JSON: {e}")))?;
        Ok(Config {
            os: p.os,
            architecture: p.architecture,
            variant: p.variant,
            ..Config::default()
        }
        .platform())
    }

    /// `os/arch[/variant]` as far as the config says.
    pub(crate) fn platform(&self) -> Option<String> {
        let (os, arch) = (self.os.as_deref()?, self.architecture.as_deref()?);
        Some(match self.variant.as_deref() {
            Some(v) if !v.is_empty() => format!("{os}/{arch}/{v}"),
            _ => format!("{os}/{arch}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_parses_leniently() {
        let c = Config::parse(br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":null},"history":null}"#, "x").unwrap();
        assert_eq!(c.platform().as_deref(), Some("linux/amd64"));
        assert!(c.diff_ids.is_empty());
        assert!(Config::parse(b"{not json", "x").is_err());
    }
}
