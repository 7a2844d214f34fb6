//! The organisation's vocabulary: staff ids (NIP and others), echelons, time zones, and the
//! unit tree's scope rule.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why a staff id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffIdError {
    #[error("a NIP has exactly 18 digits")]
    NipLength,
    #[error("the NIP's first 8 digits must be a birth date (YYYYMMDD)")]
    NipBirthDate,
    #[error("the NIP's digits 9 to 14 must be the year and month of appointment (YYYYMM)")]
    NipAppointment,
    #[error("the NIP's 15th digit must be 1 (male) or 2 (female)")]
    NipGender,
    #[error("a NIK has exactly 16 digits")]
    NikLength,
    #[error("an id must be 3 to 32 characters of A-Z, 0-9, dot, dash or slash")]
    Other,
    #[error("id_type must be nip, nik or other")]
    UnknownType,
}

/// What kind of id identifies an employee: civil servants (PNS and PPPK) have an 18-digit NIP;
/// contract staff are known by their 16-digit NIK or by a local id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffIdType {
    Nip,
    Nik,
    Other,
}

impl StaffIdType {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            StaffIdType::Nip => "nip",
            StaffIdType::Nik => "nik",
            StaffIdType::Other => "other",
        }
    }
}

impl FromStr for StaffIdType {
    type Err = StaffIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "nip" => Ok(StaffIdType::Nip),
            "nik" => Ok(StaffIdType::Nik),
            "other" => Ok(StaffIdType::Other),
            _ => Err(StaffIdError::UnknownType),
        }
    }
}

/// A validated staff id (stored in the `nip` column, unique across the organisation).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StaffId(String);

impl StaffId {
    /// Validates `raw` as an id of `kind`. A NIP is checked for its structure: birth date,
    /// year and month of appointment, gender digit, then a sequence number.
    pub fn parse(kind: StaffIdType, raw: &str) -> Result<Self, StaffIdError> {
        let digits = |n: usize| raw.len() == n && raw.bytes().all(|b| b.is_ascii_digit());
        match kind {
            StaffIdType::Nip => {
                if !digits(18) {
                    return Err(StaffIdError::NipLength);
                }
                NaiveDate::parse_from_str(&raw[..8], "%Y%m%d")
                    .map_err(|_| StaffIdError::NipBirthDate)?;
                let year: u32 = raw[8..12]
                    .parse()
                    .map_err(|_| StaffIdError::NipAppointment)?;
                let month: u32 = raw[12..14]
                    .parse()
                    .map_err(|_| StaffIdError::NipAppointment)?;
                if !(1950..=2100).contains(&year) || !(1..=12).contains(&month) {
                    return Err(StaffIdError::NipAppointment);
                }
                if !matches!(&raw[14..15], "1" | "2") {
                    return Err(StaffIdError::NipGender);
                }
            }
            StaffIdType::Nik => {
                if !digits(16) {
                    return Err(StaffIdError::NikLength);
                }
            }
            StaffIdType::Other => {
                let ok = (3..=32).contains(&raw.len())
                    && raw
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || ".-/".contains(c));
                if !ok {
                    return Err(StaffIdError::Other);
                }
            }
        }
        Ok(Self(raw.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A position's echelon (eselon). Echelon II and III staff stay in the office by rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Echelon {
    #[serde(rename = "II")]
    II,
    #[serde(rename = "III")]
    III,
    #[serde(rename = "IV")]
    IV,
    #[serde(rename = "staff")]
    Staff,
}

/// Not one of the echelon names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of II, III, IV, staff")]
pub struct EchelonError;

impl Echelon {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Echelon::II => "II",
            Echelon::III => "III",
            Echelon::IV => "IV",
            Echelon::Staff => "staff",
        }
    }
}

impl FromStr for Echelon {
    type Err = EchelonError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "II" => Ok(Echelon::II),
            "III" => Ok(Echelon::III),
            "IV" => Ok(Echelon::IV),
            "staff" => Ok(Echelon::Staff),
            _ => Err(EchelonError),
        }
    }
}

/// Not an IANA time zone name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be an IANA time zone such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura")]
pub struct TimeZoneError;

/// Parses an IANA time zone name.
pub fn time_zone(name: &str) -> Result<chrono_tz::Tz, TimeZoneError> {
    name.parse().map_err(|_| TimeZoneError)
}

/// The units of the tree `parents` (unit -> parent) at or below `root`.
#[must_use]
pub fn subtree(parents: &BTreeMap<String, Option<String>>, root: &str) -> BTreeSet<String> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for (unit, parent) in parents {
        if let Some(parent) = parent {
            children
                .entry(parent.as_str())
                .or_default()
                .push(unit.as_str());
        }
    }
    let mut out = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(unit) = stack.pop() {
        // The insert check also stops a corrupt cycle from looping.
        if parents.contains_key(unit) && out.insert(unit.to_owned()) {
            stack.extend(children.get(unit).into_iter().flatten().copied());
        }
    }
    out
}

/// Whether making `parent` the parent of `unit` would close a cycle.
#[must_use]
pub fn would_cycle(parents: &BTreeMap<String, Option<String>>, unit: &str, parent: &str) -> bool {
    subtree(parents, unit).contains(parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_nip_is_accepted_and_each_part_is_checked() {
        let ok = StaffId::parse(StaffIdType::Nip, "198503122010011002");
        assert_eq!(ok.unwrap().as_str(), "198503122010011002");
        let cases = [
            ("19850312201001100", StaffIdError::NipLength),
            ("19850312201001100X", StaffIdError::NipLength),
            ("198513122010011002", StaffIdError::NipBirthDate),
            ("198503122010131002", StaffIdError::NipAppointment),
            ("198503122010013002", StaffIdError::NipGender),
        ];
        for (raw, err) in cases {
            assert_eq!(StaffId::parse(StaffIdType::Nip, raw), Err(err), "{raw}");
        }
    }

    #[test]
    fn contract_staff_ids_have_their_own_rules() {
        assert!(StaffId::parse(StaffIdType::Nik, "3277011203850001").is_ok());
        assert_eq!(
            StaffId::parse(StaffIdType::Nik, "32770112038500"),
            Err(StaffIdError::NikLength)
        );
        assert!(StaffId::parse(StaffIdType::Other, "THL-2024/017").is_ok());
        assert_eq!(
            StaffId::parse(StaffIdType::Other, "thl 17"),
            Err(StaffIdError::Other)
        );
    }

    #[test]
    fn echelons_and_time_zones_parse() {
        assert_eq!("III".parse::<Echelon>(), Ok(Echelon::III));
        assert!("3".parse::<Echelon>().is_err());
        assert!(time_zone("Asia/Jayapura").is_ok());
        assert!(time_zone("WIB").is_err());
    }

    #[test]
    fn the_subtree_holds_the_root_and_every_descendant_and_cycles_are_seen() {
        let parents: BTreeMap<String, Option<String>> = [
            ("kota", None),
            ("dinas", Some("kota")),
            ("bidang", Some("dinas")),
            ("kecamatan", Some("kota")),
        ]
        .into_iter()
        .map(|(u, p)| (u.to_owned(), p.map(str::to_owned)))
        .collect();
        let sub: Vec<String> = subtree(&parents, "dinas").into_iter().collect();
        assert_eq!(sub, ["bidang", "dinas"]);
        assert_eq!(subtree(&parents, "kota").len(), 4);
        assert!(would_cycle(&parents, "dinas", "bidang"));
        assert!(!would_cycle(&parents, "bidang", "kecamatan"));
        assert!(subtree(&parents, "nowhere").is_empty());
    }
}
