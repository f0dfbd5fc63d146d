//! The one diesel schema for both backends, written by hand in the types the
//! multi-connection supports (Text, BigInt, Integer, Bool, Timestamp, Date).
//! `diesel print-schema` differs per backend; keep this file in step with
//! both migration trees instead.

diesel::table! {
    prefectures (code) {
        code -> Text,
        lg_code -> Text,
        name -> Text,
        kana -> Text,
    }
}

diesel::table! {
    municipalities (code) {
        code -> Text,
        prefecture_code -> Text,
        name -> Text,
        kana -> Text,
    }
}

diesel::table! {
    occupation_groups (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::joinable!(municipalities -> prefectures (prefecture_code));
diesel::allow_tables_to_appear_in_same_query!(prefectures, municipalities, occupation_groups);
