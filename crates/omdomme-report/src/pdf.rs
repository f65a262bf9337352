//! The report as PDF, made in-process by typst: `templates/report.typ` lays it out, the
//! figures come in as `data.json` (the [`ReportView`]), each chart as the SVG file the web
//! app would show, placed as vectors. The only fonts are the DejaVu Sans faces vendored in
//! `fonts/` (licence beside them), embedded in the PDF; typst reads no file, package or
//! clock of the machine.

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::model::ReportError;
use crate::view::ReportView;

const TEMPLATE: &str = include_str!("../templates/report.typ");
static FONT_FILES: [&[u8]; 2] = [
    include_bytes!("../fonts/DejaVuSans.ttf"),
    include_bytes!("../fonts/DejaVuSans-Bold.ttf"),
];

/// What every compilation shares: the standard library and the fonts.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONT_FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::builder().build()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// One report's files: the template, its data and its charts.
struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().as_rootless_path().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

fn file_id(name: &str) -> FileId {
    FileId::new(None, VirtualPath::new(name))
}

fn messages(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The report as PDF bytes.
pub fn render(view: &ReportView) -> Result<Vec<u8>, ReportError> {
    let data = serde_json::to_vec(view).map_err(|e| ReportError::Pdf(e.to_string()))?;
    let mut files = HashMap::new();
    files.insert(file_id("data.json"), Bytes::new(data));
    for chart in &view.charts {
        files.insert(
            file_id(&chart.file),
            Bytes::new(chart.rendered.svg.clone().into_bytes()),
        );
    }
    let world = ReportWorld {
        main: Source::new(file_id("report.typ"), TEMPLATE.to_owned()),
        files,
    };
    let document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|errors| ReportError::Pdf(messages(&errors)))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|errors| ReportError::Pdf(messages(&errors)))
}
