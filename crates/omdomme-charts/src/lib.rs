//! Charts as SVG text, rendered on the server: the web app and the reports draw every
//! chart through this crate, so a chart looks and reads the same in both.
