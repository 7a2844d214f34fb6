//! What a selfie's faces say, as flags for a person to weigh (never a refusal: UU PDP forbids a
//! solely automated decision with legal effect). Face detection and matching run after the
//! check-in is answered, so these flags arrive later; [`late_status`] says what they do to a
//! check-in that already has a status.

use crate::checkin::{DuplicateOf, Flag, FlagCode, Status};

/// What the face models found in a selfie.
#[derive(Clone, Debug, PartialEq)]
pub struct FaceFinding {
    /// The scores of the face candidates, best first.
    pub scores: Vec<f32>,
    /// The distance of the (single) face to the employee's enrolled reference; `None` when no
    /// reference is enrolled (no match can be judged: shown to the reviewer, not flagged).
    pub distance: Option<f32>,
}

/// The thresholds behind the face flags; each is a setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceThresholds {
    /// A candidate at or above this score is a face.
    pub face_score: f32,
    /// A face at this distance or more from the reference is someone else.
    pub match_distance: f32,
}

impl Default for FaceThresholds {
    fn default() -> Self {
        Self {
            face_score: 0.75,
            match_distance: 0.6,
        }
    }
}

impl FaceFinding {
    /// The faces: candidates at or above the threshold.
    #[must_use]
    pub fn faces(&self, t: &FaceThresholds) -> usize {
        self.scores.iter().filter(|s| **s >= t.face_score).count()
    }
}

/// The flags of `finding`, each with its score and threshold.
#[must_use]
pub fn face_flags(finding: &FaceFinding, t: &FaceThresholds) -> Vec<Flag> {
    let faces = finding.faces(t);
    let scores = |n: usize| {
        finding
            .scores
            .iter()
            .take(n)
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match faces {
        0 => vec![Flag {
            code: FlagCode::NoFace,
            detail: match finding.scores.first() {
                Some(best) => format!(
                    "no face in the selfie: the best candidate scores {best:.2}, a face needs {:.2}",
                    t.face_score
                ),
                None => format!(
                    "no face in the selfie: no candidate at all (a face needs {:.2})",
                    t.face_score
                ),
            },
        }],
        1 => match finding.distance {
            Some(d) if d >= t.match_distance => vec![Flag {
                code: FlagCode::FaceMismatch,
                detail: format!(
                    "the face is {d:.2} from the employee's enrolled face; the same person is \
                     under {:.2} (face score {})",
                    t.match_distance,
                    scores(1)
                ),
            }],
            _ => Vec::new(),
        },
        n => vec![Flag {
            code: FlagCode::SeveralFaces,
            detail: format!(
                "{n} faces in the selfie (scores {}; a face needs {:.2})",
                scores(n),
                t.face_score
            ),
        }],
    }
}

/// An earlier selfie the new one was found to copy: whose, how near their hashes are, and how
/// much of its fine detail the new one keeps once registered onto it.
#[derive(Clone, Debug, PartialEq)]
pub struct CopyFound {
    pub of: DuplicateOf,
    /// The band-pass correlation of the weakest textured block (1: the same pixels).
    pub score: f32,
    /// A copy scores at least this.
    pub threshold: f32,
    /// The copy is a mirror image.
    pub mirrored: bool,
}

/// The `duplicate_selfie` flag of a copy found after the answer, with its score and threshold.
#[must_use]
pub fn copy_flag(found: &CopyFound) -> Flag {
    let whose = match &found.of {
        DuplicateOf::Own { at, .. } => format!(
            "this employee's selfie of {}",
            at.format("%Y-%m-%d %H:%M UTC")
        ),
        DuplicateOf::Colleague { .. } => "a colleague's selfie at the same place today".to_owned(),
    };
    let distance = match &found.of {
        DuplicateOf::Own { distance, .. } | DuplicateOf::Colleague { distance } => *distance,
    };
    Flag {
        code: FlagCode::DuplicateSelfie,
        detail: format!(
            "the selfie is a {}copy of {whose}: registered onto it, its fine detail matches \
             {:.2} (a copy from {:.2}; hashes {distance} of 64 bits apart)",
            if found.mirrored { "mirrored " } else { "" },
            found.score,
            found.threshold
        ),
    }
}

/// The status of a check-in once flags arrive after its answer: an accepted check-in that now
/// needs review waits in the queue; one already decided keeps the decision (the flags stay
/// for whoever reads it).
#[must_use]
pub fn late_status(current: Status, added: &[Flag]) -> Status {
    match current {
        Status::Accepted if added.iter().any(|f| f.code.needs_review()) => Status::Flagged,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(scores: &[f32], distance: Option<f32>) -> Vec<FlagCode> {
        face_flags(
            &FaceFinding {
                scores: scores.to_vec(),
                distance,
            },
            &FaceThresholds::default(),
        )
        .into_iter()
        .map(|f| f.code)
        .collect()
    }

    #[test]
    fn faces_give_their_flags_at_their_thresholds() {
        assert_eq!(finding(&[], None), [FlagCode::NoFace]);
        assert_eq!(finding(&[0.56], None), [FlagCode::NoFace]);
        assert_eq!(
            finding(&[0.93], None),
            [] as [FlagCode; 0],
            "no reference: no flag"
        );
        assert_eq!(finding(&[0.93], Some(0.15)), [] as [FlagCode; 0]);
        assert_eq!(finding(&[0.93], Some(0.59)), [] as [FlagCode; 0]);
        assert_eq!(finding(&[0.93], Some(0.60)), [FlagCode::FaceMismatch]);
        assert_eq!(finding(&[0.93, 0.80], Some(0.1)), [FlagCode::SeveralFaces]);
        assert_eq!(finding(&[0.93, 0.6], Some(0.1)), [] as [FlagCode; 0]);
    }

    #[test]
    fn each_flag_says_its_score_and_threshold() {
        let t = FaceThresholds::default();
        let f = face_flags(
            &FaceFinding {
                scores: vec![0.556],
                distance: None,
            },
            &t,
        );
        assert!(
            f[0].detail.contains("0.56") && f[0].detail.contains("0.75"),
            "{}",
            f[0].detail
        );
        let f = face_flags(
            &FaceFinding {
                scores: vec![0.93],
                distance: Some(0.81),
            },
            &t,
        );
        assert!(
            f[0].detail.contains("0.81") && f[0].detail.contains("0.60"),
            "{}",
            f[0].detail
        );
    }

    #[test]
    fn a_late_flag_queues_an_accepted_check_in_and_leaves_a_decision_alone() {
        let flag = |code| Flag {
            code,
            detail: String::new(),
        };
        let mismatch = [flag(FlagCode::FaceMismatch)];
        assert_eq!(late_status(Status::Accepted, &mismatch), Status::Flagged);
        assert_eq!(late_status(Status::Accepted, &[]), Status::Accepted);
        assert_eq!(late_status(Status::Approved, &mismatch), Status::Approved);
        assert_eq!(late_status(Status::Rejected, &mismatch), Status::Rejected);
        assert_eq!(late_status(Status::Flagged, &mismatch), Status::Flagged);
    }
}
