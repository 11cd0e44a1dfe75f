//! libavfilter graphs with one input and one output: the per-rendition
//! scale/rotate/pixel-format chain, the thumbnail chain, and audio
//! resampling into the frames an encoder takes.

use ffmpeg_next::{filter, frame, Rational};

use crate::error::{Error, Result};

pub struct Filter {
    graph: filter::Graph,
}

fn find(name: &str) -> Result<filter::Filter> {
    filter::find(name).ok_or_else(|| Error::Internal(format!("FFmpeg lacks the {name} filter")))
}

impl Filter {
    fn build(source: &str, source_args: &str, sink: &str, chain: &str) -> Result<Filter> {
        let mut graph = filter::Graph::new();
        graph
            .add(&find(source)?, "in", source_args)
            .map_err(Error::ffmpeg(format!("setting up the {source} filter")))?;
        graph
            .add(&find(sink)?, "out", "")
            .map_err(Error::ffmpeg(format!("setting up the {sink} filter")))?;
        graph
            .output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(chain))
            .map_err(Error::ffmpeg(format!(
                "building the filter chain {chain:?}"
            )))?;
        graph.validate().map_err(Error::ffmpeg(format!(
            "configuring the filter chain {chain:?}"
        )))?;
        Ok(Filter { graph })
    }

    /// A video chain fed with frames like `first`, whose timestamps are in
    /// `time_base`.
    pub fn video(first: &frame::Video, time_base: Rational, chain: &str) -> Result<Filter> {
        Filter::video_at_rate(first, time_base, None, chain)
    }

    /// [`Filter::video`], telling the chain the frames' rate (which
    /// `decimate` needs).
    pub fn video_at_rate(
        first: &frame::Video,
        time_base: Rational,
        frame_rate: Option<Rational>,
        chain: &str,
    ) -> Result<Filter> {
        let sar = first.aspect_ratio();
        let sar = if sar.numerator() > 0 && sar.denominator() > 0 {
            sar
        } else {
            Rational::new(1, 1)
        };
        let args = format!(
            "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect={}/{}",
            first.width(),
            first.height(),
            ffmpeg_next::ffi::AVPixelFormat::from(first.format()) as i32,
            time_base.numerator(),
            time_base.denominator().max(1),
            sar.numerator(),
            sar.denominator(),
        );
        let args = match frame_rate.filter(|r| r.numerator() > 0 && r.denominator() > 0) {
            Some(r) => format!("{args}:frame_rate={}/{}", r.numerator(), r.denominator()),
            None => args,
        };
        Filter::build("buffer", &args, "buffersink", chain)
    }

    /// An audio chain fed with frames like `first`.
    pub fn audio(
        first: &frame::Audio,
        time_base: Rational,
        chain: &str,
        frame_size: Option<u32>,
    ) -> Result<Filter> {
        let layout = first.channel_layout();
        let layout = if layout.bits() == 0 {
            ffmpeg_next::ChannelLayout::default(i32::from(first.channels().max(1)))
        } else {
            layout
        };
        let args = format!(
            "time_base={}/{}:sample_rate={}:sample_fmt={}:channel_layout=0x{:x}",
            time_base.numerator(),
            time_base.denominator().max(1),
            first.rate(),
            first.format().name(),
            layout.bits(),
        );
        let mut filter = Filter::build("abuffer", &args, "abuffersink", chain)?;
        if let Some(size) = frame_size.filter(|&n| n > 0) {
            filter.sink().sink().set_frame_size(size);
        }
        Ok(filter)
    }

    fn sink(&mut self) -> filter::Context {
        self.graph
            .get("out")
            .expect("the graph was built with an \"out\" sink")
    }

    fn source(&mut self) -> filter::Context {
        self.graph
            .get("in")
            .expect("the graph was built with an \"in\" source")
    }

    /// Feeds one frame; the filter takes over the frame's reference.
    pub fn push(&mut self, frame: &frame::Frame) -> Result<()> {
        self.source()
            .source()
            .add(frame)
            .map_err(Error::ffmpeg("filtering a frame"))
    }

    /// Signals the end of the input.
    pub fn finish(&mut self) -> Result<()> {
        self.source()
            .source()
            .flush()
            .map_err(Error::ffmpeg("flushing a filter"))
    }

    /// Takes the next filtered frame, if one is ready.
    pub fn pull(&mut self, out: &mut frame::Frame) -> bool {
        self.sink().sink().frame(out).is_ok()
    }

    /// Time base of the filtered frames.
    pub fn output_time_base(&mut self) -> Rational {
        self.sink().sink().time_base()
    }
}
