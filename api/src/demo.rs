//! `hadir serve --demo`: a demo city government to try Hadir with.
//!
//! Pemerintah Kota Cimahi with its secretariat, four agencies (one with a health centre that
//! works six days and keeps night duty), offices at plausible coordinates in Cimahi and
//! Bandung, a liaison office in Banjarmasin (WITA) and one in Jayapura (WIT); about fifty
//! employees with supervisors, echelons and home points; the civil-service schedule with
//! Ramadan hours; this year's national holidays and collective leave; a WFH roster; a field
//! duty, a night shift and a sick leave. Every demo account shares one password, printed with
//! the logins. The demo loads only into a database without units (or with the demo already in
//! it, then it only prints the logins again).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use hadir_domain::Role;
use hadir_domain::plan::{Hours, ScheduleOverride, Week};
use hadir_storage::repo::org::{self, EmployeeRow, OfficeRow, UnitRow};
use hadir_storage::repo::plan::{
    self, AssignmentRow, HolidayRow, LeaveRow, RosterRow, ScheduleRow,
};
use hadir_storage::repo::users::{self, UserRow};
use hadir_storage::{DbConnection, StorageError, now_utc};

use crate::audit::{self, Entry};
use crate::state::AppState;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "hadir-demo-2026";
/// The code of the demo's top unit: its presence means the demo is loaded.
const ROOT_CODE: &str = "PEMKOT-CIMAHI";

/// A demo login to print.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub role: Role,
    pub who: String,
}

/// Loads the demo (unless it is there already) and returns the logins to print.
pub async fn load(state: &AppState) -> Result<Vec<DemoLogin>, String> {
    let hash = state
        .passwords
        .hash(DEMO_PASSWORD.to_owned())
        .await
        .map_err(|e| format!("hashing the demo password: {e}"))?;
    let today = Utc::now().date_naive();
    state
        .db
        .transaction(move |conn| build(conn, &hash, today))
        .await
        .map_err(|e| format!("loading the demo: {e}"))?
}

struct Builder<'a> {
    conn: &'a mut DbConnection,
    now: NaiveDateTime,
    hash: &'a str,
    logins: usize,
    serial: u32,
}

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn hours(start: &str, end: &str) -> Option<Hours> {
    let t = |s: &str| chrono::NaiveTime::parse_from_str(s, "%H:%M").ok();
    Some(Hours {
        start: t(start)?,
        end: t(end)?,
    })
}

fn json(v: &impl serde::Serialize) -> Result<String, StorageError> {
    serde_json::to_string(v).map_err(|e| StorageError::Other(e.to_string()))
}

impl Builder<'_> {
    fn unit(
        &mut self,
        name: &str,
        code: &str,
        parent: Option<&str>,
    ) -> Result<String, StorageError> {
        let row = UnitRow {
            id: id(),
            parent_id: parent.map(str::to_owned),
            name: name.into(),
            code: Some(code.into()),
            created_at: self.now,
            updated_at: self.now,
            schedule_id: None,
            wfh_quota_percent: None,
        };
        org::insert_unit(self.conn, &row)?;
        Ok(row.id)
    }

    fn office(
        &mut self,
        unit: &str,
        name: &str,
        (latitude, longitude): (f64, f64),
        radius_m: f64,
        timezone: &str,
    ) -> Result<String, StorageError> {
        let row = OfficeRow {
            id: id(),
            unit_id: unit.into(),
            name: name.into(),
            latitude,
            longitude,
            radius_m,
            polygon: None,
            timezone: timezone.into(),
            active: true,
            created_at: self.now,
            updated_at: self.now,
        };
        org::insert_office(self.conn, &row)?;
        Ok(row.id)
    }

    /// An employee with a well-formed NIP (birth date, appointment, gender, serial), a home
    /// point near the office, and a login when `login` names one.
    #[expect(
        clippy::too_many_arguments,
        reason = "one row of the demo's staff table"
    )]
    fn employee(
        &mut self,
        name: &str,
        unit: &str,
        office: (&str, (f64, f64)),
        position: &str,
        echelon: &str,
        supervisor: Option<&str>,
        login: Option<(&str, Role)>,
    ) -> Result<String, StorageError> {
        self.serial += 1;
        let n = self.serial;
        let born = NaiveDate::from_ymd_opt(
            1968 + i32::try_from(n % 27).unwrap_or(0),
            1 + n % 12,
            1 + n % 28,
        )
        .unwrap_or_default();
        let appointed = 1994 + n % 28;
        let gender = if name.ends_with('a') || name.ends_with('i') {
            2
        } else {
            1
        };
        let nip = format!(
            "{}{appointed}{:02}{gender}{n:03}",
            born.format("%Y%m%d"),
            1 + n % 12
        );
        let (lat, lon) = office.1;
        let offset = f64::from(n % 7) * 0.004 - 0.012;
        let row = EmployeeRow {
            id: id(),
            nip,
            name: name.into(),
            unit_id: unit.into(),
            position: position.into(),
            echelon: echelon.into(),
            supervisor_id: supervisor.map(str::to_owned),
            office_id: Some(office.0.to_owned()),
            home_latitude: Some(lat + offset),
            home_longitude: Some(lon - offset * 0.8),
            home_radius_m: Some(150.0),
            active: true,
            created_at: self.now,
            updated_at: self.now,
            id_type: "nip".into(),
            schedule_id: None,
        };
        org::insert_employee(self.conn, &row)?;
        if let Some((username, role)) = login {
            users::insert(
                self.conn,
                &UserRow {
                    id: id(),
                    username: username.into(),
                    password_hash: self.hash.to_owned(),
                    role: role.as_str().into(),
                    employee_id: Some(row.id.clone()),
                    active: true,
                    token_version: 0,
                    created_at: self.now,
                    updated_at: self.now,
                    created_by: None,
                },
            )?;
            self.logins += 1;
        }
        Ok(row.id)
    }

    fn assignment(
        &mut self,
        employee: &str,
        date: NaiveDate,
        mode: &str,
        extra: impl FnOnce(&mut AssignmentRow),
    ) -> Result<(), StorageError> {
        let mut row = AssignmentRow {
            id: id(),
            employee_id: employee.into(),
            date,
            mode: mode.into(),
            office_id: None,
            destination_name: None,
            destination_latitude: None,
            destination_longitude: None,
            destination_radius_m: None,
            letter_number: None,
            shift_start: None,
            shift_end: None,
            note: None,
            roster_id: None,
            created_by: None,
            created_at: self.now,
            updated_at: self.now,
        };
        extra(&mut row);
        plan::insert_assignment(self.conn, &row)
    }
}

/// This year's national holidays and collective leave (SKB 3 Menteri for 2026); for other
/// years the fixed-date national holidays only, since the lunar ones move.
fn holidays(year: i32) -> Vec<(NaiveDate, &'static str, &'static str)> {
    let d = |m, day| NaiveDate::from_ymd_opt(year, m, day).unwrap_or_default();
    if year == 2026 {
        return vec![
            (d(1, 1), "Tahun Baru 2026 Masehi", "national"),
            (d(1, 16), "Isra Mikraj Nabi Muhammad SAW", "national"),
            (
                d(2, 16),
                "Cuti bersama Tahun Baru Imlek",
                "collective_leave",
            ),
            (d(2, 17), "Tahun Baru Imlek 2577 Kongzili", "national"),
            (d(3, 18), "Cuti bersama Hari Suci Nyepi", "collective_leave"),
            (
                d(3, 19),
                "Hari Suci Nyepi (Tahun Baru Saka 1948)",
                "national",
            ),
            (d(3, 20), "Idul Fitri 1447 Hijriah", "national"),
            (d(3, 21), "Idul Fitri 1447 Hijriah", "national"),
            (d(3, 23), "Cuti bersama Idul Fitri", "collective_leave"),
            (d(3, 24), "Cuti bersama Idul Fitri", "collective_leave"),
            (d(4, 3), "Wafat Yesus Kristus", "national"),
            (d(5, 1), "Hari Buruh Internasional", "national"),
            (d(5, 14), "Kenaikan Yesus Kristus", "national"),
            (
                d(5, 15),
                "Cuti bersama Kenaikan Yesus Kristus",
                "collective_leave",
            ),
            (d(5, 27), "Idul Adha 1447 Hijriah", "national"),
            (d(5, 31), "Hari Raya Waisak 2570 BE", "national"),
            (d(6, 1), "Hari Lahir Pancasila", "national"),
            (d(6, 16), "Tahun Baru Islam 1448 Hijriah", "national"),
            (d(8, 17), "Hari Kemerdekaan Republik Indonesia", "national"),
            (d(8, 25), "Maulid Nabi Muhammad SAW", "national"),
            (
                d(12, 24),
                "Cuti bersama Hari Raya Natal",
                "collective_leave",
            ),
            (d(12, 25), "Hari Raya Natal", "national"),
        ];
    }
    vec![
        (d(1, 1), "Tahun Baru Masehi", "national"),
        (d(5, 1), "Hari Buruh Internasional", "national"),
        (d(6, 1), "Hari Lahir Pancasila", "national"),
        (d(8, 17), "Hari Kemerdekaan Republik Indonesia", "national"),
        (d(12, 25), "Hari Raya Natal", "national"),
    ]
}

const FIRST: [&str; 24] = [
    "Agus", "Dewi", "Rudi", "Siti", "Hendra", "Rina", "Asep", "Yuli", "Dedi", "Nia", "Ujang",
    "Euis", "Bambang", "Lestari", "Cecep", "Wulan", "Iwan", "Ratna", "Dadang", "Fitri", "Yusuf",
    "Ani", "Eko", "Maya",
];
const LAST: [&str; 12] = [
    "Suryana",
    "Permana",
    "Hidayat",
    "Rahmawati",
    "Setiawan",
    "Kurniasih",
    "Nugraha",
    "Lestari",
    "Saputra",
    "Wibowo",
    "Handayani",
    "Gunawan",
];

fn build(
    conn: &mut DbConnection,
    hash: &str,
    today: NaiveDate,
) -> Result<Result<Vec<DemoLogin>, String>, StorageError> {
    let units = org::all_units(conn)?;
    if units.iter().any(|u| u.code.as_deref() == Some(ROOT_CODE)) {
        return Ok(Ok(demo_logins()));
    }
    if !units.is_empty() {
        return Ok(Err(
            "the database already holds an organisation: the demo loads only into an empty one \
             (use a fresh HADIR_DATABASE_URL)"
                .into(),
        ));
    }
    let mut b = Builder {
        conn,
        now: now_utc(),
        hash,
        logins: 0,
        serial: 0,
    };

    // Schedules: the civil-service week with Ramadan hours (the default), and a six-day
    // schedule for the health centre.
    let day = hours("07:30", "16:00");
    let ramadan = hours("08:00", "15:00");
    let asn = ScheduleRow {
        id: id(),
        name: "Jam kerja ASN (5 hari)".into(),
        days_json: json(&Week([
            day,
            day,
            day,
            day,
            hours("07:30", "16:30"),
            None,
            None,
        ]))?,
        grace_minutes: 0,
        check_in_opens_before_minutes: 90,
        check_out_closes_after_minutes: 240,
        overrides_json: json(&vec![
            ScheduleOverride {
                name: "Ramadan 1447 H".into(),
                from: NaiveDate::from_ymd_opt(2026, 2, 18).unwrap_or_default(),
                to: NaiveDate::from_ymd_opt(2026, 3, 19).unwrap_or_default(),
                days: Week([
                    ramadan,
                    ramadan,
                    ramadan,
                    ramadan,
                    hours("08:00", "15:30"),
                    None,
                    None,
                ]),
            },
            ScheduleOverride {
                name: "Ramadan 1448 H".into(),
                from: NaiveDate::from_ymd_opt(2027, 2, 8).unwrap_or_default(),
                to: NaiveDate::from_ymd_opt(2027, 3, 9).unwrap_or_default(),
                days: Week([
                    ramadan,
                    ramadan,
                    ramadan,
                    ramadan,
                    hours("08:00", "15:30"),
                    None,
                    None,
                ]),
            },
        ])?,
        is_default: true,
        created_at: b.now,
        updated_at: b.now,
    };
    plan::insert_schedule(b.conn, &asn)?;
    let six = hours("07:30", "14:00");
    let puskesmas_schedule = ScheduleRow {
        id: id(),
        name: "Puskesmas (6 hari)".into(),
        days_json: json(&Week([
            six,
            six,
            six,
            six,
            hours("07:30", "11:00"),
            hours("07:30", "12:30"),
            None,
        ]))?,
        grace_minutes: 0,
        check_in_opens_before_minutes: 60,
        check_out_closes_after_minutes: 240,
        overrides_json: "[]".into(),
        is_default: false,
        created_at: b.now,
        updated_at: b.now,
    };
    plan::insert_schedule(b.conn, &puskesmas_schedule)?;

    // Units and offices.
    let kota = b.unit("Pemerintah Kota Cimahi", ROOT_CODE, None)?;
    let setda = b.unit("Sekretariat Daerah", "SETDA", Some(&kota))?;
    let kominfo = b.unit(
        "Dinas Komunikasi dan Informatika",
        "DISKOMINFO",
        Some(&kota),
    )?;
    let dinkes = b.unit("Dinas Kesehatan", "DINKES", Some(&kota))?;
    let pkm = b.unit(
        "UPTD Puskesmas Cimahi Tengah",
        "PKM-CIMAHI-TENGAH",
        Some(&dinkes),
    )?;
    let disdik = b.unit("Dinas Pendidikan", "DISDIK", Some(&kota))?;
    let bkpsdm = b.unit(
        "Badan Kepegawaian dan Pengembangan SDM",
        "BKPSDM",
        Some(&kota),
    )?;
    let kecamatan = b.unit("Kecamatan Cimahi Utara", "KEC-CIMAHI-UTARA", Some(&kota))?;
    let pemkot_at = (-6.872_183, 107.542_038);
    let pemkot = b.office(
        &setda,
        "Kantor Pemkot Cimahi",
        pemkot_at,
        120.0,
        "Asia/Jakarta",
    )?;
    let kominfo_at = (-6.872_6, 107.541_3);
    let kominfo_office = b.office(
        &kominfo,
        "Gedung B Pemkot Cimahi (Diskominfo)",
        kominfo_at,
        80.0,
        "Asia/Jakarta",
    )?;
    let dinkes_at = (-6.884_7, 107.541_9);
    let dinkes_office = b.office(
        &dinkes,
        "Kantor Dinas Kesehatan",
        dinkes_at,
        80.0,
        "Asia/Jakarta",
    )?;
    let pkm_at = (-6.876_4, 107.538_1);
    let pkm_office = b.office(
        &pkm,
        "Puskesmas Cimahi Tengah",
        pkm_at,
        60.0,
        "Asia/Jakarta",
    )?;
    let disdik_at = (-6.889_3, 107.544_7);
    let disdik_office = b.office(
        &disdik,
        "Kantor Dinas Pendidikan",
        disdik_at,
        80.0,
        "Asia/Jakarta",
    )?;
    let kec_at = (-6.861_2, 107.546_6);
    let kec_office = b.office(
        &kecamatan,
        "Kantor Kecamatan Cimahi Utara",
        kec_at,
        70.0,
        "Asia/Jakarta",
    )?;
    let bdg_at = (-6.914_7, 107.609_8);
    let bandung = b.office(
        &setda,
        "Kantor Penghubung Bandung",
        bdg_at,
        60.0,
        "Asia/Jakarta",
    )?;
    let bjm_at = (-3.318_6, 114.594_4);
    let banjarmasin = b.office(
        &setda,
        "Kantor Perwakilan Banjarmasin",
        bjm_at,
        60.0,
        "Asia/Makassar",
    )?;
    let jpr_at = (-2.533_7, 140.718_1);
    let jayapura = b.office(
        &setda,
        "Kantor Perwakilan Jayapura",
        jpr_at,
        60.0,
        "Asia/Jayapura",
    )?;

    // Units follow the default schedule but the health centre; Diskominfo may send half home.
    plan_unit(b.conn, &pkm, Some(&puskesmas_schedule.id), None)?;
    plan_unit(b.conn, &kominfo, None, Some(50))?;

    // People: heads (II), heads of division (III), heads of section (IV) and staff.
    let secretary = b.employee(
        "Dikdik Suratno Nugrahawan",
        &setda,
        (&pemkot, pemkot_at),
        "Sekretaris Daerah",
        "II",
        None,
        None,
    )?;
    let mut names = FIRST
        .iter()
        .zip(LAST.iter().cycle())
        .map(|(f, l)| format!("{f} {l}"))
        .chain(
            FIRST
                .iter()
                .rev()
                .zip(LAST.iter().rev().cycle())
                .map(|(f, l)| format!("{f} {l}")),
        );
    let mut next = || names.next().unwrap_or_else(|| "Pegawai Demo".into());

    let kadis = b.employee(
        "Budi Hartono",
        &kominfo,
        (&kominfo_office, kominfo_at),
        "Kepala Dinas Komunikasi dan Informatika",
        "II",
        Some(&secretary),
        Some(("kadis.kominfo", Role::Supervisor)),
    )?;
    let kabid = b.employee(
        "Rina Marlina",
        &kominfo,
        (&kominfo_office, kominfo_at),
        "Kepala Bidang Aplikasi Informatika",
        "III",
        Some(&kadis),
        Some(("admin.kominfo", Role::UnitAdmin)),
    )?;
    let kasi = b.employee(
        "Asep Saepudin",
        &kominfo,
        (&kominfo_office, kominfo_at),
        "Kepala Seksi Pengembangan Aplikasi",
        "IV",
        Some(&kabid),
        Some(("asep", Role::Supervisor)),
    )?;
    let mut kominfo_staff = vec![
        b.employee(
            "Siti Nurhaliza",
            &kominfo,
            (&kominfo_office, kominfo_at),
            "Pranata Komputer",
            "staff",
            Some(&kasi),
            Some(("siti", Role::Employee)),
        )?,
        b.employee(
            "Dedi Kurniawan",
            &kominfo,
            (&kominfo_office, kominfo_at),
            "Analis Sistem Informasi",
            "staff",
            Some(&kasi),
            Some(("dedi", Role::Employee)),
        )?,
    ];
    for position in [
        "Pranata Komputer",
        "Pranata Komputer",
        "Analis Data",
        "Pengelola Situs Web",
        "Pranata Hubungan Masyarakat",
        "Pengadministrasi Umum",
    ] {
        let name = next();
        kominfo_staff.push(b.employee(
            &name,
            &kominfo,
            (&kominfo_office, kominfo_at),
            position,
            "staff",
            Some(&kasi),
            None,
        )?);
    }

    let kadinkes = b.employee(
        "Dewi Kartika",
        &dinkes,
        (&dinkes_office, dinkes_at),
        "Kepala Dinas Kesehatan",
        "II",
        Some(&secretary),
        None,
    )?;
    let kapkm = b.employee(
        "dr. Hendra Gunawan",
        &pkm,
        (&pkm_office, pkm_at),
        "Kepala Puskesmas",
        "IV",
        Some(&kadinkes),
        None,
    )?;
    let perawat = b.employee(
        "Yuli Handayani",
        &pkm,
        (&pkm_office, pkm_at),
        "Perawat Terampil",
        "staff",
        Some(&kapkm),
        Some(("yuli", Role::Employee)),
    )?;
    for position in [
        "Bidan Terampil",
        "Perawat Terampil",
        "Apoteker",
        "Pranata Laboratorium Kesehatan",
        "Dokter Umum",
    ] {
        let name = next();
        b.employee(
            &name,
            &pkm,
            (&pkm_office, pkm_at),
            position,
            "staff",
            Some(&kapkm),
            None,
        )?;
    }
    for position in [
        "Kepala Bidang Pelayanan Kesehatan",
        "Epidemiolog Kesehatan",
        "Administrator Kesehatan",
    ] {
        let name = next();
        let echelon = if position.starts_with("Kepala") {
            "III"
        } else {
            "staff"
        };
        b.employee(
            &name,
            &dinkes,
            (&dinkes_office, dinkes_at),
            position,
            echelon,
            Some(&kadinkes),
            None,
        )?;
    }

    let kadisdik = b.employee(
        "Eko Prasetyo",
        &disdik,
        (&disdik_office, disdik_at),
        "Kepala Dinas Pendidikan",
        "II",
        Some(&secretary),
        None,
    )?;
    for position in [
        "Kepala Bidang Pembinaan SD",
        "Kepala Bidang Pembinaan SMP",
        "Pengawas Sekolah",
        "Pengawas Sekolah",
        "Analis Kurikulum",
        "Pengelola Data Pendidikan",
        "Pengadministrasi Umum",
    ] {
        let name = next();
        let echelon = if position.starts_with("Kepala") {
            "III"
        } else {
            "staff"
        };
        b.employee(
            &name,
            &disdik,
            (&disdik_office, disdik_at),
            position,
            echelon,
            Some(&kadisdik),
            None,
        )?;
    }

    let kabkpsdm = b.employee(
        "Ratna Sari Dewi",
        &bkpsdm,
        (&pemkot, pemkot_at),
        "Kepala BKPSDM",
        "II",
        Some(&secretary),
        None,
    )?;
    b.employee(
        "Yusuf Maulana",
        &bkpsdm,
        (&pemkot, pemkot_at),
        "Analis Sumber Daya Manusia Aparatur",
        "staff",
        Some(&kabkpsdm),
        Some(("hr.bkpsdm", Role::Hr)),
    )?;
    for position in [
        "Kepala Bidang Mutasi",
        "Analis Kepegawaian",
        "Pranata Kepegawaian",
    ] {
        let name = next();
        let echelon = if position.starts_with("Kepala") {
            "III"
        } else {
            "staff"
        };
        b.employee(
            &name,
            &bkpsdm,
            (&pemkot, pemkot_at),
            position,
            echelon,
            Some(&kabkpsdm),
            None,
        )?;
    }

    let camat = b.employee(
        "Cecep Supriatna",
        &kecamatan,
        (&kec_office, kec_at),
        "Camat Cimahi Utara",
        "III",
        Some(&secretary),
        None,
    )?;
    for position in [
        "Sekretaris Kecamatan",
        "Kepala Seksi Pemerintahan",
        "Kepala Seksi Pelayanan Umum",
        "Pengadministrasi Umum",
        "Pengelola Layanan Kecamatan",
    ] {
        let name = next();
        let echelon = if position.starts_with("Kepala") || position.starts_with("Sekretaris") {
            "IV"
        } else {
            "staff"
        };
        b.employee(
            &name,
            &kecamatan,
            (&kec_office, kec_at),
            position,
            echelon,
            Some(&camat),
            None,
        )?;
    }

    for position in [
        "Kepala Bagian Umum",
        "Analis Kebijakan",
        "Perencana",
        "Pranata Hubungan Masyarakat",
    ] {
        let name = next();
        let echelon = if position.starts_with("Kepala") {
            "III"
        } else {
            "staff"
        };
        b.employee(
            &name,
            &setda,
            (&pemkot, pemkot_at),
            position,
            echelon,
            Some(&secretary),
            None,
        )?;
    }
    b.employee(
        "Wulan Permatasari",
        &setda,
        (&bandung, bdg_at),
        "Pengelola Kantor Penghubung",
        "staff",
        Some(&secretary),
        Some(("wulan", Role::Employee)),
    )?;
    b.employee(
        "I Wayan Sudarma",
        &setda,
        (&banjarmasin, bjm_at),
        "Pengelola Kantor Perwakilan",
        "staff",
        Some(&secretary),
        Some(("wayan", Role::Employee)),
    )?;
    b.employee(
        "Yohana Wenda",
        &setda,
        (&jayapura, jpr_at),
        "Pengelola Kantor Perwakilan",
        "staff",
        Some(&secretary),
        Some(("yohana", Role::Employee)),
    )?;

    // Holidays of this year.
    for (date, name, kind) in holidays(today.year()) {
        plan::insert_holiday(
            b.conn,
            &HolidayRow {
                id: id(),
                date,
                name: name.into(),
                kind: kind.into(),
                created_at: b.now,
                updated_at: b.now,
            },
        )?;
    }

    // A WFH roster for Diskominfo's staff, from this week's Monday for five weeks: group A at
    // home on Tuesdays and Thursdays, group B on Mondays and Wednesdays (half the unit at most).
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    let ends = monday + TimeDelta::days(34);
    let (group_a, group_b) = kominfo_staff.split_at(kominfo_staff.len() / 2);
    let roster = RosterRow {
        id: id(),
        unit_id: kominfo.clone(),
        name: "WFH bergilir Diskominfo".into(),
        starts_on: monday,
        ends_on: ends,
        pattern_json: json(&serde_json::json!([
            {"name": "A", "employee_ids": group_a, "weeks": [{"tue": "home", "thu": "home"}]},
            {"name": "B", "employee_ids": group_b, "weeks": [{"mon": "home", "wed": "home"}]},
        ]))?,
        created_by: None,
        created_at: b.now,
    };
    plan::insert_roster(b.conn, &roster)?;
    let home_days: BTreeMap<u32, &[String]> =
        BTreeMap::from([(0, group_b), (1, group_a), (2, group_b), (3, group_a)]);
    for date in monday.iter_days().take_while(|d| *d <= ends) {
        let Some(people) = home_days.get(&date.weekday().num_days_from_monday()) else {
            continue;
        };
        for e in *people {
            let roster_id = roster.id.clone();
            b.assignment(e, date, "home", |a| a.roster_id = Some(roster_id))?;
        }
    }

    // Dedi is on field duty tomorrow (unless the roster has him home); Yuli keeps night duty at
    // the health centre tonight; one of Disdik's people is on sick leave this week.
    let tomorrow = today + TimeDelta::days(1);
    let dedi = kominfo_staff[1].clone();
    if plan::assignments_of(b.conn, std::slice::from_ref(&dedi), tomorrow, tomorrow)?.is_empty() {
        b.assignment(&dedi, tomorrow, "field", |a| {
            a.destination_name = Some("Kantor Kelurahan Cibabat".into());
            a.destination_latitude = Some(-6.863_1);
            a.destination_longitude = Some(107.552_0);
            a.destination_radius_m = Some(150.0);
            a.letter_number = Some("800/217/Diskominfo/2026".into());
        })?;
    }
    let pkm_office_id = pkm_office.clone();
    b.assignment(&perawat, today, "duty", |a| {
        a.office_id = Some(pkm_office_id);
        a.shift_start = Some("21:00".into());
        a.shift_end = Some("07:00".into());
        a.note = Some("Piket malam IGD".into());
    })?;
    plan::insert_leave(
        b.conn,
        &LeaveRow {
            id: id(),
            employee_id: kadisdik,
            starts_on: monday,
            ends_on: monday + TimeDelta::days(2),
            kind: "sakit".into(),
            note: Some("Surat keterangan dokter".into()),
            created_by: None,
            created_at: b.now,
            updated_at: b.now,
        },
    )?;

    audit::record::<(), _>(
        b.conn,
        &Entry {
            actor: None,
            action: "demo.load",
            entity: "unit",
            entity_id: &kota,
            before: None,
            after: Some(&serde_json::json!({"employees": b.serial, "logins": b.logins})),
            request: None,
            subjects: &[],
        },
    )?;
    debug_assert_eq!(b.logins, demo_logins().len());
    Ok(Ok(demo_logins()))
}

fn plan_unit(
    conn: &mut DbConnection,
    unit: &str,
    schedule_id: Option<&str>,
    quota: Option<i32>,
) -> Result<(), StorageError> {
    org::update_unit(
        conn,
        unit,
        &org::UnitChanges {
            schedule_id: schedule_id.map(|s| Some(s.to_owned())),
            wfh_quota_percent: quota.map(Some),
            ..org::UnitChanges::default()
        },
    )?;
    Ok(())
}

/// The demo's logins (all with [`DEMO_PASSWORD`]).
fn demo_logins() -> Vec<DemoLogin> {
    [
        (
            "hr.bkpsdm",
            Role::Hr,
            "Yusuf Maulana, Analis SDM Aparatur (BKPSDM)",
        ),
        (
            "admin.kominfo",
            Role::UnitAdmin,
            "Rina Marlina, Kepala Bidang (Diskominfo)",
        ),
        (
            "kadis.kominfo",
            Role::Supervisor,
            "Budi Hartono, Kepala Dinas (Diskominfo)",
        ),
        (
            "asep",
            Role::Supervisor,
            "Asep Saepudin, Kepala Seksi (Diskominfo)",
        ),
        (
            "siti",
            Role::Employee,
            "Siti Nurhaliza, Pranata Komputer (Diskominfo)",
        ),
        (
            "dedi",
            Role::Employee,
            "Dedi Kurniawan, Analis Sistem Informasi (Diskominfo)",
        ),
        (
            "yuli",
            Role::Employee,
            "Yuli Handayani, Perawat (Puskesmas, night duty)",
        ),
        ("wulan", Role::Employee, "Wulan Permatasari (Bandung, WIB)"),
        (
            "wayan",
            Role::Employee,
            "I Wayan Sudarma (Banjarmasin, WITA)",
        ),
        ("yohana", Role::Employee, "Yohana Wenda (Jayapura, WIT)"),
    ]
    .into_iter()
    .map(|(username, role, who)| DemoLogin {
        username: username.into(),
        role,
        who: who.into(),
    })
    .collect()
}
