//! One schema for both backends. It must match `migrations/postgres` and `migrations/sqlite`;
//! the migration parity test checks the tables and columns.

diesel::table! {
    units (id) {
        id -> Text,
        parent_id -> Nullable<Text>,
        name -> Text,
        code -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    offices (id) {
        id -> Text,
        unit_id -> Text,
        name -> Text,
        latitude -> Double,
        longitude -> Double,
        radius_m -> Double,
        polygon -> Nullable<Text>,
        timezone -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    employees (id) {
        id -> Text,
        nip -> Text,
        name -> Text,
        unit_id -> Text,
        position -> Text,
        echelon -> Text,
        supervisor_id -> Nullable<Text>,
        office_id -> Nullable<Text>,
        home_latitude -> Nullable<Double>,
        home_longitude -> Nullable<Double>,
        home_radius_m -> Nullable<Double>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        id_type -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        employee_id -> Nullable<Text>,
        active -> Bool,
        token_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        device_id -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        session_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    app_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    devices (device_id) {
        device_id -> Text,
        employee_id -> Text,
        bound_at -> Timestamp,
    }
}

diesel::table! {
    check_ins (id) {
        id -> Text,
        employee_id -> Text,
        client_id -> Text,
        request_hash -> Text,
        kind -> Text,
        received_at -> Timestamp,
        captured_at -> Timestamp,
        counted_at -> Timestamp,
        local_date -> Text,
        timezone -> Text,
        latitude -> Double,
        longitude -> Double,
        accuracy_m -> Double,
        altitude_m -> Nullable<Double>,
        is_mock -> Bool,
        device_id -> Nullable<Text>,
        place_kind -> Nullable<Text>,
        place_id -> Nullable<Text>,
        place_name -> Nullable<Text>,
        place_radius_m -> Nullable<Double>,
        distance_m -> Nullable<Double>,
        geofence -> Nullable<Text>,
        flags_json -> Text,
        status -> Text,
        photo_key -> Text,
        thumbnail_key -> Text,
        photo_sha256 -> Text,
        photo_phash -> Text,
        exif_captured_at -> Nullable<Timestamp>,
        exif_latitude -> Nullable<Double>,
        exif_longitude -> Nullable<Double>,
    }
}

diesel::joinable!(offices -> units (unit_id));
diesel::joinable!(employees -> units (unit_id));
diesel::joinable!(users -> employees (employee_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(check_ins -> employees (employee_id));
diesel::joinable!(devices -> employees (employee_id));

diesel::allow_tables_to_appear_in_same_query!(
    units,
    offices,
    employees,
    users,
    sessions,
    refresh_tokens,
    audit_log,
    app_secrets,
    devices,
    check_ins,
);
