//! `closed_set!`: an enum of a closed set of words, with the word each
//! member is written as (in JSON, in the schema, in the database).

/// A stored word that is no member of its set: data written by something
/// other than this service, never a caller's input (that is refused where
/// it is parsed).
#[derive(Debug, thiserror::Error)]
#[error("{word:?} is not a {set}")]
pub struct UnknownWord {
    pub set: &'static str,
    pub word: String,
}

/// Declares an enum whose members are written as the given words: serde
/// and the OpenAPI schema (an `enum` of those words) agree with
/// `as_str`/`parse`, and `ALL` lists the members in order.
#[macro_export]
macro_rules! closed_set {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:tt, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $word)] $variant, )+
        }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word this member is written as.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                }
            }

            /// The member written as `word`, if any.
            pub fn parse(word: &str) -> Option<Self> {
                match word {
                    $( $word => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::closed_set::UnknownWord;

            /// For reading a stored word back (diesel's `deserialize_as`).
            fn try_from(word: String) -> Result<Self, $crate::closed_set::UnknownWord> {
                Self::parse(&word).ok_or_else(|| $crate::closed_set::UnknownWord {
                    set: stringify!($name),
                    word,
                })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// For a closed set declared by hand (with its own `parse`): reading its
/// stored word back, as [`closed_set!`] gives its own sets.
macro_rules! stored_word {
    ($($name:ident),+ $(,)?) => {
        $(
            impl ::std::convert::TryFrom<String> for $name {
                type Error = $crate::closed_set::UnknownWord;

                fn try_from(word: String) -> Result<Self, $crate::closed_set::UnknownWord> {
                    Self::parse(&word).ok_or_else(|| $crate::closed_set::UnknownWord {
                        set: stringify!($name),
                        word,
                    })
                }
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    closed_set! {
        /// A test set.
        pub enum Colour {
            Red = "red",
            /// With a doc comment.
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn words_agree_with_serde_and_parse() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::Value::String(c.as_str().into())
            );
        }
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(Colour::DarkBlue.to_string(), "dark_blue");
        assert!(Colour::try_from("blue".to_owned()).is_err());
    }

    /// The schema lists the words, not the Rust names (utoipa reads the
    /// serde renames only when the macro passes them through as tokens).
    #[test]
    fn the_schema_enumerates_the_words() {
        let schema = serde_json::to_value(<Colour as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(["red", "dark_blue"]));
    }
}
