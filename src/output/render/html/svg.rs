//! The report's charts: hand-written SVG (horizontal bars, lines and steps),
//! no dependency. Every label goes through `esc`. Each chart is drawn
//! `WIDTH` wide, the page's width, and scales with it (`width:100%`);
//! labels sit beside what they label (a reference line's name at its top).

use std::fmt::Write as _;

use super::{esc, num};

/// The colours of the series, in order.
const COLOURS: [&str; 3] = ["#4e79a7", "#f28e2b", "#59a14f"];
const WIDTH: f64 = 940.0;
/// Labels longer than this are shortened with … (the whole label is the bar's tooltip).
const LABEL_CHARS: usize = 32;

/// How values are shown on an axis and beside a bar.
#[derive(Clone, Copy)]
pub(super) enum Scale {
    /// 0 to 1, shown as a percentage.
    Fraction,
    /// Whole numbers.
    Count,
    /// A ratio, two decimals.
    Ratio,
    /// Points as the rules write them: at most two decimals, no trailing zeros.
    Points,
}

impl Scale {
    fn show(self, v: f64) -> String {
        match self {
            Scale::Fraction => format!("{:.1}%", v * 100.0),
            Scale::Count => format!("{}", v.round() as i64),
            Scale::Ratio => format!("{v:.2}"),
            Scale::Points => num(v),
        }
    }

    fn tick(self, v: f64) -> String {
        match self {
            Scale::Fraction => num(v * 100.0) + "%",
            _ => num(v),
        }
    }
}

/// One row of a bar chart: its label and a value per series (`None`: no bar).
pub(super) struct Bar {
    label: String,
    values: Vec<Option<f64>>,
}

pub(super) fn bar(label: String, values: &[Option<f64>]) -> Bar {
    Bar { label, values: values.to_vec() }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= LABEL_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(LABEL_CHARS - 1).collect();
        t.push('…');
        t
    }
}

/// Round axis ticks from 0 to at least `max`: steps of 1, 2 or 5 × 10^k.
fn ticks(max: f64) -> (f64, Vec<f64>) {
    let max = if max > 0.0 && max.is_finite() { max } else { 1.0 };
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    let top = step * n as f64;
    (top, (0..=n).map(|i| step * i as f64).collect())
}

fn legend(svg: &mut String, series: &[&str], x: f64, y: f64) {
    let mut x = x;
    for (k, name) in series.iter().enumerate() {
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"12\">{}</text>",
            y - 10.0,
            COLOURS[k % COLOURS.len()],
            x + 16.0,
            esc(name)
        );
        x += 16.0 + 7.0 * name.chars().count() as f64 + 18.0;
    }
}

/// Horizontal bars, one group per row, one bar per series; a value beside
/// each bar; ticks and grid lines along the top; a dashed reference line
/// when given.
pub(super) fn bar_chart(bars: &[Bar], series: &[&str], scale: Scale, reference: Option<(f64, &str)>) -> String {
    bar_chart_labelled(bars, series, scale, reference, label_chars(bars))
}

/// The characters of the longest (shortened) label, at least 6.
fn label_chars(bars: &[Bar]) -> usize {
    bars.iter().map(|b| shorten(&b.label).chars().count()).max().unwrap_or(0).clamp(6, LABEL_CHARS)
}

/// `bar_chart` with a label column `chars` wide: charts drawn one under the
/// other share it, so that their axes start at the same x.
fn bar_chart_labelled(
    bars: &[Bar],
    series: &[&str],
    scale: Scale,
    reference: Option<(f64, &str)>,
    chars: usize,
) -> String {
    let label_w = chars as f64 * 7.0 + 12.0;
    let (x0, x1) = (label_w, WIDTH - 70.0);
    let bar_h = 14.0;
    let group_h = bar_h * series.len() as f64 + 10.0;
    let top = if reference.is_some() { 62.0 } else { 48.0 };
    let height = top + group_h * bars.len().max(1) as f64 + 12.0;
    let values = || bars.iter().flat_map(|b| b.values.iter().flatten().copied()).filter(|v| v.is_finite());
    let max = values().fold(0.0f64, f64::max);
    let max = reference.map_or(max, |(r, _)| max.max(r));
    let min = values().fold(0.0f64, f64::min);
    // Negative values (e.g. learned points) extend the axis to the left of 0.
    let (lo, hi, ticks) = if min < 0.0 {
        let (_, t) = ticks(max - min);
        let step = t.get(1).copied().unwrap_or(1.0);
        let (lo, hi) = ((min / step - 1e-9).floor() * step, ((max / step - 1e-9).ceil() * step).max(step));
        let n = ((hi - lo) / step).round() as usize;
        (lo, hi, (0..=n).map(|i| lo + step * i as f64).collect::<Vec<f64>>())
    } else {
        let (top, t) = ticks(max);
        (0.0, top, t)
    };
    let x_of = |v: f64| x0 + (x1 - x0) * ((v.clamp(lo, hi) - lo) / (hi - lo));
    let xz = x_of(0.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\">\n"
    );
    legend(&mut svg, series, x0, 16.0);
    for t in &ticks {
        let x = x_of(*t);
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#e3e3e3\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            top - 4.0,
            height - 12.0,
            top - 8.0,
            esc(&scale.tick(*t))
        );
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{xz:.1}\" y1=\"{:.1}\" x2=\"{xz:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>",
        top - 4.0,
        height - 12.0
    );
    // The reference line goes under the bars and their labels.
    if let Some((r, name)) = reference {
        let x = x_of(r);
        // Beside the line's top: to its right, or to its left near the right edge.
        let label_w = 6.5 * (name.chars().count() + scale.show(r).chars().count() + 3) as f64;
        let (label_x, anchor) = if x + 4.0 + label_w <= WIDTH { (x + 4.0, "start") } else { (x - 4.0, "end") };
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#c00\" text-anchor=\"{anchor}\">{} {}</text>",
            top - 30.0,
            height - 12.0,
            label_x,
            top - 20.0,
            esc(name),
            esc(&format!("({})", scale.show(r)))
        );
    }
    if bars.is_empty() {
        let _ = writeln!(svg, "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">no data</text>", x0 + 8.0, top + 16.0);
    }
    for (i, b) in bars.iter().enumerate() {
        let gy = top + group_h * i as f64;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\"><title>{}</title>{}</text>",
            x0 - 6.0,
            gy + group_h / 2.0 + 2.0,
            esc(&b.label),
            esc(&shorten(&b.label))
        );
        for (k, v) in b.values.iter().enumerate() {
            let y = gy + 5.0 + bar_h * k as f64;
            match v {
                Some(v) => {
                    let xv = x_of(*v);
                    let (left, w) = (xv.min(xz), (xv - xz).abs());
                    // The value beside the bar's end; a negative bar's on the
                    // other side of 0, clear of the row labels.
                    let text_x = xv.max(xz) + 4.0;
                    let _ = writeln!(
                        svg,
                        "<rect x=\"{left:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\">\
                         <title>{}: {}</title></rect>\
                         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#333\" stroke=\"#fff\" \
                         stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                        bar_h - 2.0,
                        COLOURS[k % COLOURS.len()],
                        esc(&b.label),
                        esc(&scale.show(*v)),
                        text_x,
                        y + bar_h - 4.0,
                        esc(&scale.show(*v))
                    );
                }
                None => {
                    let _ = writeln!(
                        svg,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#888\">-</text>",
                        xz + 4.0,
                        y + bar_h - 4.0
                    );
                }
            }
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// Bars whose label `own` picks are drawn on their own axis, in a second
/// chart under the others (e.g. "(nobody)", whose thousands would flatten
/// every rep's bar); the second chart says so.
pub(super) fn bar_chart_own_axis(bars: Vec<Bar>, series: &[&str], scale: Scale, own: impl Fn(&str) -> bool) -> String {
    let chars = label_chars(&bars);
    let (own_bars, rest): (Vec<Bar>, Vec<Bar>) = bars.into_iter().partition(|b| own(&b.label));
    if rest.is_empty() {
        // Nothing to flatten (no reps): one chart.
        return bar_chart(&own_bars, series, scale, None);
    }
    let mut out = bar_chart_labelled(&rest, series, scale, None, chars);
    if !own_bars.is_empty() {
        let names: Vec<String> = own_bars.iter().map(|b| b.label.clone()).collect();
        let _ = writeln!(out, "<p class=\"note\">{}, on its own axis:</p>", esc(&names.join(", ")));
        out.push_str(&bar_chart_labelled(&own_bars, series, scale, None, chars));
    }
    out
}

/// How a line chart joins its measured points.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Curve {
    /// Straight lines from point to point (for a page whose x is measured
    /// continuously; the threshold pages use `Steps`).
    #[allow(dead_code)]
    Lines,
    /// Steps: the value measured at x holds from the previous measured x
    /// (exclusive) up to x, as a threshold's figures hold for every threshold
    /// between two distinct scores. A dot marks each measured point when
    /// there are few.
    Steps,
}

/// Lines over a numeric x axis (`xs` ascending), one per series; dashed vertical marks with labels (e.g. the
/// answer and the current threshold).
pub(super) fn line_chart(
    xs: &[f64],
    series: &[(&str, Vec<Option<f64>>)],
    scale: Scale,
    marks: &[(f64, String)],
    x_label: &str,
    curve: Curve,
) -> String {
    let height = 340.0;
    let (x0, x1, top, bottom) = (64.0, WIDTH - 24.0, 64.0, height - 44.0);
    let ymax = series.iter().flat_map(|(_, v)| v.iter().flatten()).fold(0.0f64, |a, &v| a.max(v));
    let ymax = if matches!(scale, Scale::Fraction) { 1.0 } else { ymax };
    let (y_top, yticks) = ticks(ymax);
    let (xmin, xmax) = match (xs.first(), xs.last()) {
        (Some(&a), Some(&b)) if b > a => (a, b),
        (Some(&a), _) => (a - 1.0, a + 1.0),
        _ => (0.0, 1.0),
    };
    let x_of = |x: f64| x0 + (x1 - x0) * (x - xmin) / (xmax - xmin);
    let y_of = |y: f64| bottom - (bottom - top) * (y / y_top);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\">\n"
    );
    let names: Vec<&str> = series.iter().map(|(n, _)| *n).collect();
    legend(&mut svg, &names, x0, 16.0);
    for t in &yticks {
        let y = y_of(*t);
        let _ = writeln!(
            svg,
            "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\" stroke=\"#e3e3e3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            x0 - 6.0,
            y + 4.0,
            esc(&scale.tick(*t))
        );
    }
    let span = xmax - xmin;
    // About ten ticks along x (ticks() aims at five).
    let (_, xticks) = ticks(span / 2.0);
    let step = xticks.get(1).copied().unwrap_or(span);
    let first = (xmin / step).ceil() * step;
    let mut t = first;
    while t <= xmax + 1e-9 {
        let x = x_of(t);
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{bottom:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            bottom + 5.0,
            bottom + 18.0,
            num(t)
        );
        t += step;
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{x0:.1}\" y1=\"{bottom:.1}\" x2=\"{x1:.1}\" y2=\"{bottom:.1}\" stroke=\"#333\"/>\
         <line x1=\"{x0:.1}\" y1=\"{top:.1}\" x2=\"{x0:.1}\" y2=\"{bottom:.1}\" stroke=\"#333\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
        (x0 + x1) / 2.0,
        height - 8.0,
        esc(x_label)
    );
    for (k, (_, values)) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let measured: Vec<(f64, f64)> = xs.iter().zip(values).filter_map(|(&x, v)| v.map(|v| (x, v))).collect();
        let mut points: Vec<(f64, f64)> = Vec::with_capacity(measured.len() * 2);
        for (i, &(x, v)) in measured.iter().enumerate() {
            if curve == Curve::Steps && i > 0 {
                points.push((measured[i - 1].0, v));
            }
            points.push((x, v));
        }
        let text: Vec<String> = points.iter().map(|&(x, v)| format!("{:.1},{:.1}", x_of(x), y_of(v))).collect();
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            text.join(" ")
        );
        if curve == Curve::Steps && measured.len() <= 60 {
            for &(x, v) in &measured {
                let _ =
                    write!(svg, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{colour}\"/>", x_of(x), y_of(v));
            }
            svg.push('\n');
        }
    }
    // Marks: labels above the plot, on two rows when they would overlap.
    let mut last_x = f64::NEG_INFINITY;
    let mut row = 0;
    for (x, label) in marks {
        let px = x_of(*x);
        row = if (px - last_x).abs() < 7.0 * label.chars().count() as f64 + 10.0 { 1 - row } else { 0 };
        last_x = px;
        let _ = writeln!(
            svg,
            "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{bottom:.1}\" stroke=\"#c00\" \
             stroke-dasharray=\"4 3\"/><text x=\"{px:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#c00\" \
             text-anchor=\"middle\">{}</text>",
            top - 14.0 + 12.0 * row as f64 - 2.0,
            top - 16.0 + 12.0 * row as f64,
            esc(label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_reach_the_maximum() {
        let (top, t) = ticks(1.0);
        assert_eq!((top, t.len()), (1.0, 6));
        // 137 / 5 = 27.4: steps of 50, up to 150.
        assert_eq!(ticks(137.0), (150.0, vec![0.0, 50.0, 100.0, 150.0]));
        assert_eq!(ticks(9240.0), (10000.0, vec![0.0, 2000.0, 4000.0, 6000.0, 8000.0, 10000.0]));
        assert_eq!(ticks(0.0).0, 1.0);
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(12.5), "12.5");
    }

    #[test]
    fn steps_hold_each_value_back_to_the_previous_measured_x() {
        let s = line_chart(
            &[0.0, 10.0, 20.0],
            &[("p", vec![Some(0.0), Some(0.5), Some(1.0)])],
            Scale::Fraction,
            &[],
            "x",
            Curve::Steps,
        );
        let points = s.split("points=\"").nth(1).and_then(|p| p.split('"').next()).unwrap();
        let ys: Vec<&str> = points.split(' ').map(|p| p.split(',').nth(1).unwrap()).collect();
        let xs: Vec<&str> = points.split(' ').map(|p| p.split(',').next().unwrap()).collect();
        // Five points: (0, 0), (0, .5), (10, .5), (10, 1), (20, 1).
        assert_eq!(xs.len(), 5);
        assert_eq!((xs[0], xs[1], xs[2], xs[3]), (xs[1], xs[0], xs[3], xs[2]));
        assert_eq!((ys[1], ys[3]), (ys[2], ys[4]));
        assert_ne!(ys[0], ys[1]);
    }

    /// The reference line's name sits at the line's top, not at the chart's
    /// far right; near the right edge it goes to the line's left.
    #[test]
    fn the_reference_label_sits_beside_its_line() {
        let bars = vec![bar("a".into(), &[Some(1.0)])];
        let at = |s: &str, from: &str, attr: &str| -> f64 {
            let i = s.find(from).unwrap();
            let j = s[..i].rfind(attr).unwrap() + attr.len();
            s[j..].split('"').next().unwrap().parse().unwrap()
        };
        let s = bar_chart(&bars, &["rate"], Scale::Fraction, Some((0.25, "overall")));
        let line_x = at(&s, "stroke=\"#c00\"", "<line x1=\"");
        let text_x = at(&s, ">overall (25.0%)<", "<text x=\"");
        assert!((text_x - line_x - 4.0).abs() < 0.01, "{line_x} {text_x}\n{s}");
        assert!(s.contains("text-anchor=\"start\">overall"), "{s}");
        let s = bar_chart(&bars, &["rate"], Scale::Fraction, Some((1.0, "a long name for the line")));
        assert!(s.contains("text-anchor=\"end\">a long name"), "{s}");
    }

    #[test]
    fn a_negative_bar_goes_left_of_zero() {
        let bars = vec![bar("up".into(), &[Some(10.0)]), bar("down".into(), &[Some(-4.0)])];
        let s = bar_chart(&bars, &["points"], Scale::Count, None);
        // Ticks of 5 from -5 to 10: 0 is a third of the way along.
        for t in [">-5<", ">0<", ">10<"] {
            assert!(s.contains(t), "{t}\n{s}");
        }
        let rects: Vec<(f64, f64)> = s
            .match_indices("<rect x=\"")
            .skip(1) // the legend's
            .map(|(at, _)| {
                let attr = |name: &str| -> f64 {
                    let from = s[at..].find(name).unwrap() + at + name.len();
                    s[from..].split('"').next().unwrap().parse().unwrap()
                };
                (attr("x=\""), attr("width=\""))
            })
            .collect();
        let (up, down) = (rects[0], rects[1]);
        // "down" ends at 0 where "up" starts; 10 is 2.5 times as long as 4.
        assert!((down.0 + down.1 - up.0).abs() < 0.2, "{rects:?}");
        assert!((up.1 / down.1 - 2.5).abs() < 0.01, "{rects:?}");
    }

    #[test]
    fn an_own_axis_bar_goes_to_its_own_chart() {
        let bars = vec![bar("Ann".into(), &[Some(10.0)]), bar("(nobody)".into(), &[Some(5000.0)])];
        let s = bar_chart_own_axis(bars, &["leads"], Scale::Count, |l| l == "(nobody)");
        let (reps, own) = s.split_once("<p class=\"note\">(nobody), on its own axis:</p>").unwrap();
        assert!(reps.contains(">Ann<") && !reps.contains("nobody"));
        assert!(own.contains(">(nobody)<"));
        // Ann's axis ends near her 10 leads, not at 5,000.
        assert!(reps.contains(">10<") && !reps.contains(">5000<"));
        // Alone, the bar needs no axis of its own.
        let s = bar_chart_own_axis(vec![bar("(nobody)".into(), &[Some(5.0)])], &["leads"], Scale::Count, |_| true);
        assert!(!s.contains("own axis") && s.matches("<svg").count() == 1, "{s}");
    }

    #[test]
    fn every_svg_closes() {
        let bars = vec![bar("a<b".into(), &[Some(0.5), None])];
        let s = bar_chart(&bars, &["x", "y"], Scale::Fraction, Some((0.25, "overall")));
        assert_eq!(s.matches("<svg").count(), s.matches("</svg>").count());
        assert!(s.contains("a&lt;b") && !s.contains("a<b"));
        let s = line_chart(
            &[1.0, 2.0],
            &[("p", vec![Some(0.1), None])],
            Scale::Fraction,
            &[(1.0, "now".into())],
            "x",
            Curve::Lines,
        );
        assert!(s.ends_with("</svg>\n"));
    }
}
