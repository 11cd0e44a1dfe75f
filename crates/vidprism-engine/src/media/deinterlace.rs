//! Interlaced sources (issue 27): whether a source is interlaced, decided
//! once at ingest from its stream's field order and our own comb measure
//! (`comb.rs`) over pictures sampled across it, and the motion-adaptive
//! deinterlacer (`bwdif`) that `PictureFilter` puts every picture through.
//!
//! Many files lie: camcorders and capture cards flag progressive video as
//! interlaced and the other way round. So the flag decides only when the
//! pictures do not: a source flagged interlaced whose sampled pictures are
//! clearly progressive is left alone (deinterlacing it would only blur
//! it), and one unflagged whose pictures are combed is deinterlaced. A
//! header that says progressive asks for a stricter vote (combed pictures
//! four to one). Telecined film is told by FFmpeg's `idet` (its repeated
//! fields), run only on sources at 29.97 or 30 fps.

use std::cell::Cell;
use std::path::Path;

use ffmpeg_next::{format, frame, FieldOrder, Rational};

use super::comb::{Comb, CombMeter};
use super::filter::Filter;
use super::frame_ref::video_ref;
use super::sample::sample_pictures;
use crate::error::Result;
use crate::presets::{DeinterlaceRule, FieldRate, PictureRules};

/// Where the detection looks: this many points spread over the source...
const DETECT_POINTS: usize = 3;
/// ...and this many consecutive pictures at each: three comb verdicts
/// (each needs a picture on either side; three places ride over a still
/// or black stretch).
const DETECT_PICTURES_PER_POINT: usize = 5;
/// Fewest verdicts that must say interlaced before the source is, and
/// progressive before a flag saying interlaced is overruled.
const DETECT_MIN_VOTES: u64 = 5;

/// The time base of inverse-telecined pictures: 1001/30000 and 1001/24000
/// s are both whole numbers of its ticks.
const IVTC_TICKS: i32 = 120_000;
/// Pictures a point needs to tell a pulldown pattern (two cycles of five)...
const TELECINE_MIN_PICTURES: u64 = 8;
/// ...and the pictures each point reads when the rate could be telecine.
const TELECINE_PICTURES_PER_POINT: usize = 12;

/// How an interlaced source is deinterlaced: which field comes first, and
/// whether each field becomes a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deinterlace {
    pub top_field_first: bool,
    pub rate: FieldRate,
    /// Telecined film (3:2 pulldown): fields matched back into the film's
    /// frames and the repeated fifth dropped, 29.97 to 23.976 fps.
    pub inverse_telecine: bool,
}

impl Deinterlace {
    /// The `bwdif` filter: every picture, this parity, one picture per
    /// frame or per field.
    pub(crate) fn chain(self) -> String {
        let parity = if self.top_field_first { "tff" } else { "bff" };
        if self.inverse_telecine {
            // fieldmatch weaves each frame from its film frame's fields,
            // bwdif mends what it could not match, decimate drops the
            // one picture in five that repeats; settb first, so 29.97's
            // timestamps and 23.976's are both whole ticks.
            return format!(
                "settb=1/{IVTC_TICKS},fieldmatch=order={parity}:combmatch=full,\
                 bwdif=mode=send_frame:parity={parity}:deint=interlaced,decimate=cycle=5"
            );
        }
        format!(
            "bwdif=mode={}:parity={}:deint=all",
            match self.rate {
                FieldRate::Frame => "send_frame",
                FieldRate::Field => "send_field",
            },
            if self.top_field_first { "tff" } else { "bff" }
        )
    }

    /// The time base and frame rate of the pictures that come out, for a
    /// source's: a picture per field halves the one and doubles the other.
    pub fn timing(self, time_base: Rational, frame_rate: Rational) -> (Rational, Rational) {
        if self.inverse_telecine {
            return (
                Rational::new(1, IVTC_TICKS),
                Rational::new(
                    frame_rate.numerator().saturating_mul(4),
                    frame_rate.denominator().saturating_mul(5),
                )
                .reduce(),
            );
        }
        match self.rate {
            FieldRate::Frame => (time_base, frame_rate),
            FieldRate::Field => (
                Rational::new(
                    time_base.numerator(),
                    time_base.denominator().saturating_mul(2),
                )
                .reduce(),
                Rational::new(
                    frame_rate.numerator().saturating_mul(2),
                    frame_rate.denominator(),
                )
                .reduce(),
            ),
        }
    }
}

/// What the sampled pictures said: the comb measure's verdicts, and
/// `idet`'s repeated fields (at telecine's rates only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Votes {
    pub tff: u64,
    pub bff: u64,
    pub progressive: u64,
    /// Pictures with a field repeated from the one before, and without.
    pub repeated: u64,
    pub neither: u64,
}

impl Votes {
    fn interlaced(self) -> u64 {
        self.tff + self.bff
    }

    /// The pictures are combed: enough of them, and more than not (four
    /// for each clean one when the header says progressive).
    fn say_interlaced(self, header: Header) -> bool {
        let clean = match header {
            Header::Progressive => 4 * self.progressive,
            _ => self.progressive + 1,
        };
        self.interlaced() >= DETECT_MIN_VOTES && self.interlaced() >= clean
    }

    /// Counts one comb verdict.
    fn count(&mut self, comb: Comb) {
        match comb {
            Comb::Progressive => self.progressive += 1,
            Comb::Interlaced {
                top_field_first: true,
            } => self.tff += 1,
            Comb::Interlaced {
                top_field_first: false,
            } => self.bff += 1,
            Comb::Unknown => {}
        }
    }

    /// The pictures are clearly progressive: enough of them, and at least
    /// four for each combed one.
    fn say_progressive(self) -> bool {
        self.progressive >= DETECT_MIN_VOTES && self.progressive >= 4 * self.interlaced()
    }

    /// What one point's pictures say of 3:2 pulldown: two repeated fields
    /// in five pictures is telecine, moving pictures without any is not;
    /// still pictures, which repeat every field, say nothing.
    fn say_telecine(self) -> Option<bool> {
        let seen = self.repeated + self.neither;
        if seen < TELECINE_MIN_PICTURES {
            return None;
        }
        let share = self.repeated as f64 / seen as f64;
        if (0.25..=0.55).contains(&share) {
            Some(true)
        } else if share < 0.1 {
            Some(false)
        } else {
            None
        }
    }

    fn add(&mut self, other: Votes) {
        self.tff += other.tff;
        self.bff += other.bff;
        self.progressive += other.progressive;
        self.repeated += other.repeated;
        self.neither += other.neither;
    }
}

/// Whether the points say telecined film: a 29.97 (or 30) fps source with
/// the pulldown pattern at two points or more and none clearly without
/// it. Film at some points only (mixed content) is left alone, said in
/// the log.
fn telecined(points: &[Votes], fps: f64, path: &Path) -> bool {
    if !may_be_telecine(fps) {
        return false;
    }
    let said: Vec<bool> = points.iter().filter_map(|p| p.say_telecine()).collect();
    let film = said.iter().filter(|&&t| t).count();
    let video = said.len() - film;
    if film > 0 && video > 0 {
        tracing::info!(
            source = %path.display(),
            film_points = film,
            video_points = video,
            "telecined film at some points only (mixed content): left alone"
        );
    }
    film >= 2 && video == 0
}

/// 3:2 pulldown makes 29.97 (or 30) fps of 23.976 (or 24).
fn may_be_telecine(fps: f64) -> bool {
    (29.9..=30.01).contains(&fps)
}

/// The interlacing a stream's header declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header {
    Progressive,
    Unknown,
    Interlaced { top_field_first: bool },
}

impl Header {
    pub(crate) fn of(stream: &format::stream::Stream) -> Header {
        // SAFETY: the parameters pointer is valid while `stream` is.
        let order = unsafe { (*stream.parameters().as_ptr()).field_order };
        // TB is coded top first but shown bottom first; BT the other way.
        match FieldOrder::from(order) {
            FieldOrder::TT | FieldOrder::BT => Header::Interlaced {
                top_field_first: true,
            },
            FieldOrder::BB | FieldOrder::TB => Header::Interlaced {
                top_field_first: false,
            },
            FieldOrder::Progressive => Header::Progressive,
            FieldOrder::Unknown => Header::Unknown,
        }
    }

    fn top_field_first(self) -> Option<bool> {
        match self {
            Header::Interlaced { top_field_first } => Some(top_field_first),
            _ => None,
        }
    }
}

/// The decision from the rule, the header's flag, the pictures' votes and
/// whether they are telecined film.
pub fn decide(
    rules: PictureRules,
    header: Header,
    votes: Votes,
    telecine: bool,
) -> Option<Deinterlace> {
    let flag = header.top_field_first();
    let voted_top_first =
        (votes.interlaced() >= DETECT_MIN_VOTES).then_some(votes.tff >= votes.bff);
    let interlaced = match rules.deinterlace {
        DeinterlaceRule::Off => false,
        DeinterlaceRule::Always => true,
        DeinterlaceRule::Auto => {
            telecine || votes.say_interlaced(header) || (flag.is_some() && !votes.say_progressive())
        }
    };
    interlaced.then(|| Deinterlace {
        // The pictures tell the parity better than a header that may lie.
        top_field_first: voted_top_first.or(flag).unwrap_or(true),
        rate: rules.rate,
        inverse_telecine: telecine,
    })
}

/// Decides whether `path` is deinterlaced under `rules`: nothing is read
/// under `off`; otherwise 15 pictures (36 at 29.97 fps, with `idet`).
pub fn detect(path: &Path, rules: PictureRules) -> Result<Option<Deinterlace>> {
    if rules.deinterlace == DeinterlaceRule::Off {
        return Ok(None);
    }
    let (header, fps) = (Cell::new(Header::Unknown), Cell::new(0.0));
    let mut points: Vec<Votes> = Vec::new();
    let mut scan: Option<(usize, PointScan)> = None;
    sample_pictures(
        path,
        DETECT_POINTS,
        0,
        |stream| {
            header.set(Header::of(stream));
            fps.set(f64::from(stream.avg_frame_rate()));
            match may_be_telecine(fps.get()) {
                true => TELECINE_PICTURES_PER_POINT,
                false => DETECT_PICTURES_PER_POINT,
            }
        },
        |point, picture, time_base| {
            if scan.as_ref().is_some_and(|(at, _)| *at != point) {
                if let Some((_, done)) = scan.take() {
                    points.push(done.finish()?);
                }
            }
            // A fresh scan per point: its neighbours must be neighbours.
            let (_, current) = scan.get_or_insert_with(|| (point, PointScan::default()));
            current.push(picture, time_base, may_be_telecine(fps.get()))
        },
    )?;
    if let Some((_, done)) = scan.take() {
        points.push(done.finish()?);
    }
    let mut votes = Votes::default();
    for point in &points {
        votes.add(*point);
    }
    let (header, fps) = (header.get(), fps.get());
    let telecine = telecined(&points, fps, path);
    let decided = decide(rules, header, votes, telecine);
    tracing::info!(
        source = %path.display(),
        ?header,
        tff = votes.tff,
        bff = votes.bff,
        progressive = votes.progressive,
        repeated = votes.repeated,
        deinterlace = ?decided,
        "interlacing"
    );
    Ok(decided)
}

/// One point's consecutive pictures: comb verdicts, and `idet` when
/// telecine is possible.
#[derive(Default)]
struct PointScan {
    comb: CombMeter,
    idet: Option<Filter>,
    votes: Votes,
}

impl PointScan {
    fn push(&mut self, picture: &frame::Video, time_base: Rational, idet: bool) -> Result<()> {
        self.votes.count(self.comb.push(picture));
        if !idet {
            return Ok(());
        }
        let filter = match self.idet.as_mut() {
            Some(f) => f,
            None => self.idet.insert(Filter::video(picture, time_base, "idet")?),
        };
        filter.push(&video_ref(picture))
    }

    fn finish(mut self) -> Result<Votes> {
        if let Some(mut idet) = self.idet.take() {
            (self.votes.repeated, self.votes.neither) = repeated_fields(&mut idet)?;
        }
        Ok(self.votes)
    }
}

/// Drains one point's `idet` and reads its counts of pictures with a field
/// repeated and without (kept in each picture's metadata, cumulative: the
/// last picture's are the point's).
fn repeated_fields(idet: &mut Filter) -> Result<(u64, u64)> {
    idet.finish()?;
    let mut out = frame::Video::empty();
    let mut last = (0, 0);
    while idet.pull(&mut out) {
        // Counts written as decimals ("12.00"): they may decay by a half-life.
        let count = |key: &str| {
            out.metadata()
                .get(&format!("lavfi.idet.{key}"))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map_or(0, |v| v.round() as u64)
        };
        last = (
            count("repeated.top") + count("repeated.bottom"),
            count("repeated.neither"),
        );
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(deinterlace: DeinterlaceRule) -> PictureRules {
        PictureRules {
            deinterlace,
            ..PictureRules::default()
        }
    }

    const UNKNOWN: Header = Header::Unknown;
    const TFF: Header = Header::Interlaced {
        top_field_first: true,
    };
    const BFF: Header = Header::Interlaced {
        top_field_first: false,
    };
    const COMBED: Votes = Votes {
        tff: 2,
        bff: 30,
        progressive: 3,
        repeated: 0,
        neither: 35,
    };
    const CLEAN: Votes = Votes {
        tff: 0,
        bff: 1,
        progressive: 33,
        repeated: 0,
        neither: 34,
    };
    const STILL: Votes = Votes {
        tff: 1,
        bff: 0,
        progressive: 2,
        repeated: 0,
        neither: 3,
    };

    #[test]
    fn auto_believes_the_pictures_then_the_flag() {
        let auto = rules(DeinterlaceRule::Auto);
        let d = decide(auto, UNKNOWN, COMBED, false).expect("combed pictures are deinterlaced");
        assert!(!d.top_field_first, "parity from the votes");
        let d = decide(auto, TFF, COMBED, false).expect("flag and pictures agree");
        assert!(!d.top_field_first, "the votes overrule the flag's parity");
        assert_eq!(decide(auto, TFF, CLEAN, false), None, "a lying flag");
        assert_eq!(decide(auto, UNKNOWN, CLEAN, false), None);
        assert_eq!(
            decide(auto, UNKNOWN, STILL, false),
            None,
            "nothing to go on"
        );
        let d = decide(auto, BFF, STILL, false).expect("the flag decides a still source");
        assert!(!d.top_field_first);
    }

    #[test]
    fn a_header_saying_progressive_asks_four_combed_pictures_to_one() {
        let auto = rules(DeinterlaceRule::Auto);
        let mixed = Votes {
            tff: 6,
            progressive: 3,
            ..Votes::default()
        };
        assert!(decide(auto, UNKNOWN, mixed, false).is_some());
        assert_eq!(decide(auto, Header::Progressive, mixed, false), None);
        let combed = Votes {
            tff: 8,
            progressive: 2,
            ..Votes::default()
        };
        assert!(decide(auto, Header::Progressive, combed, false).is_some());
        assert!(decide(auto, Header::Progressive, COMBED, false).is_some());
    }

    #[test]
    fn off_and_always_ignore_everything() {
        assert_eq!(
            decide(rules(DeinterlaceRule::Off), TFF, COMBED, false),
            None
        );
        let d = decide(rules(DeinterlaceRule::Always), UNKNOWN, CLEAN, false).expect("always");
        assert!(d.top_field_first, "top first without any hint");
    }

    #[test]
    fn telecine_is_two_repeated_fields_in_five_at_29_97_everywhere() {
        let point = |repeated, neither| Votes {
            repeated,
            neither,
            ..Votes::default()
        };
        let film = point(5, 7);
        let video = point(0, 12);
        let still = point(12, 0);
        let path = Path::new("clip.mts");
        assert!(telecined(&[film, film, film], 29.97, path));
        assert!(
            telecined(&[film, still, film], 30.0, path),
            "a still point says nothing"
        );
        assert!(
            !telecined(&[film, video, film], 29.97, path),
            "mixed: left alone"
        );
        assert!(
            !telecined(&[film, still, still], 29.97, path),
            "one point is not enough"
        );
        assert!(
            !telecined(&[film, film, film], 25.0, path),
            "PAL has no 3:2 pulldown"
        );
        let d = decide(rules(DeinterlaceRule::Auto), UNKNOWN, CLEAN, true).expect("film");
        assert!(d.inverse_telecine);
        assert_eq!(
            d.timing(Rational::new(1, 30_000), Rational::new(30_000, 1001)),
            (Rational::new(1, 120_000), Rational::new(24_000, 1001))
        );
        assert!(d.chain().contains("fieldmatch") && d.chain().ends_with("decimate=cycle=5"));
        assert_eq!(
            decide(rules(DeinterlaceRule::Off), UNKNOWN, CLEAN, true),
            None
        );
    }

    #[test]
    fn field_rate_doubles_the_rate_and_halves_the_time_base() {
        let d = Deinterlace {
            top_field_first: true,
            rate: FieldRate::Field,
            inverse_telecine: false,
        };
        assert_eq!(
            d.timing(Rational::new(1, 90_000), Rational::new(30_000, 1001)),
            (Rational::new(1, 180_000), Rational::new(60_000, 1001))
        );
        assert_eq!(
            d.timing(Rational::new(1, 50), Rational::new(25, 1)),
            (Rational::new(1, 100), Rational::new(50, 1))
        );
        assert!(d.chain().contains("send_field") && d.chain().contains("tff"));
        let frame = Deinterlace {
            top_field_first: false,
            rate: FieldRate::Frame,
            inverse_telecine: false,
        };
        let tb = Rational::new(1, 25);
        assert_eq!(
            frame.timing(tb, Rational::new(25, 1)),
            (tb, Rational::new(25, 1))
        );
        assert_eq!(frame.chain(), "bwdif=mode=send_frame:parity=bff:deint=all");
    }
}
