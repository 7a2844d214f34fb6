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
        schedule_id -> Nullable<Text>,
        wfh_quota_percent -> Nullable<Integer>,
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
        schedule_id -> Nullable<Text>,
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
        created_by -> Nullable<Text>,
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
        client_addr -> Nullable<Text>,
    }
}

diesel::table! {
    face_references (employee_id) {
        employee_id -> Text,
        embedding -> Text,
        photo_key -> Text,
        thumbnail_key -> Text,
        source -> Text,
        source_check_in_id -> Nullable<Text>,
        face_score -> Double,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    face_jobs (check_in_id) {
        check_in_id -> Text,
        state -> Text,
        attempts -> Integer,
        not_before -> Timestamp,
        claimed_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        done_at -> Nullable<Timestamp>,
        evidence -> Nullable<Text>,
    }
}

diesel::table! {
    console_sessions (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        user_id -> Text,
        token_version -> Integer,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    leases (name) {
        name -> Text,
        holder -> Text,
        until -> Timestamp,
    }
}

diesel::table! {
    readiness_probe (instance_id) {
        instance_id -> Text,
        checked_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_subjects (audit_id, employee_id) {
        audit_id -> Text,
        employee_id -> Text,
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
        risk -> Integer,
    }
}

diesel::table! {
    schedules (id) {
        id -> Text,
        name -> Text,
        days_json -> Text,
        grace_minutes -> Integer,
        check_in_opens_before_minutes -> Integer,
        check_out_closes_after_minutes -> Integer,
        overrides_json -> Text,
        is_default -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    schedule_versions (id) {
        id -> Text,
        schedule_id -> Text,
        valid_until -> Date,
        days_json -> Text,
        grace_minutes -> Integer,
        check_in_opens_before_minutes -> Integer,
        check_out_closes_after_minutes -> Integer,
        overrides_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    holidays (id) {
        id -> Text,
        date -> Date,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rosters (id) {
        id -> Text,
        unit_id -> Text,
        name -> Text,
        starts_on -> Date,
        ends_on -> Date,
        pattern_json -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        employee_id -> Text,
        date -> Date,
        mode -> Text,
        office_id -> Nullable<Text>,
        destination_name -> Nullable<Text>,
        destination_latitude -> Nullable<Double>,
        destination_longitude -> Nullable<Double>,
        destination_radius_m -> Nullable<Double>,
        letter_number -> Nullable<Text>,
        shift_start -> Nullable<Text>,
        shift_end -> Nullable<Text>,
        note -> Nullable<Text>,
        roster_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    leaves (id) {
        id -> Text,
        employee_id -> Text,
        starts_on -> Date,
        ends_on -> Date,
        kind -> Text,
        note -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    employee_offices (employee_id, office_id) {
        employee_id -> Text,
        office_id -> Text,
    }
}

diesel::table! {
    check_in_reviews (check_in_id) {
        check_in_id -> Text,
        decision -> Text,
        note -> Nullable<Text>,
        reviewer_user_id -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    month_closes (id) {
        id -> Text,
        month -> Text,
        unit_id -> Nullable<Text>,
        closed_by -> Nullable<Text>,
        closed_at -> Timestamp,
    }
}

diesel::table! {
    manual_entries (id) {
        id -> Text,
        employee_id -> Text,
        date -> Date,
        kind -> Text,
        local_time -> Text,
        timezone -> Text,
        at -> Timestamp,
        reason -> Text,
        author_user_id -> Text,
        batch_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    corrections (id) {
        id -> Text,
        employee_id -> Text,
        date -> Date,
        kind -> Text,
        check_in_time -> Nullable<Text>,
        check_out_time -> Nullable<Text>,
        letter_number -> Nullable<Text>,
        reason -> Text,
        attachment_key -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        status -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    daily_reports (id) {
        id -> Text,
        employee_id -> Text,
        date -> Date,
        entries_json -> Text,
        status -> Text,
        comment -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    check_in_flags (check_in_id, code) {
        check_in_id -> Text,
        code -> Text,
        risk -> Integer,
        received_at -> Timestamp,
        queued -> Bool,
    }
}

diesel::table! {
    /// Moved by triggers on every write to units, schedules, schedule versions, offices and
    /// holidays (`repo::plan::load_book_cached`).
    plan_epoch (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    selfie_bands (check_in_id, band) {
        check_in_id -> Text,
        band -> Integer,
        value -> Text,
        place_id -> Text,
        local_date -> Text,
        employee_id -> Text,
        phash -> Text,
    }
}

diesel::joinable!(offices -> units (unit_id));
diesel::joinable!(check_in_flags -> check_ins (check_in_id));
diesel::joinable!(manual_entries -> employees (employee_id));
diesel::joinable!(corrections -> employees (employee_id));
diesel::joinable!(daily_reports -> employees (employee_id));
diesel::joinable!(check_in_reviews -> check_ins (check_in_id));
diesel::joinable!(assignments -> employees (employee_id));
diesel::joinable!(leaves -> employees (employee_id));
diesel::joinable!(rosters -> units (unit_id));
diesel::joinable!(employee_offices -> employees (employee_id));
diesel::joinable!(employees -> units (unit_id));
diesel::joinable!(users -> employees (employee_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(console_sessions -> sessions (session_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(check_ins -> employees (employee_id));
diesel::joinable!(devices -> employees (employee_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_subjects,
    login_throttle,
    readiness_probe,
    leases,
    console_sessions,
    face_references,
    face_jobs,
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
    schedules,
    schedule_versions,
    holidays,
    rosters,
    assignments,
    leaves,
    employee_offices,
    check_in_reviews,
    month_closes,
    manual_entries,
    corrections,
    daily_reports,
    check_in_flags,
    selfie_bands,
    plan_epoch,
);
