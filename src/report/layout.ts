/**
 * A thin layer over pdfkit for the report: headings, paragraphs, tables that break across pages
 * with their header repeated, figures with captions, boxed notes, and the page footer.
 *
 * A heading is drawn with the block that follows it (it moves to the next page with that block,
 * never alone), and a figure that almost fits the rest of a page is drawn a little smaller there
 * instead of leaving a third of the page blank. `pageFills` says how full each page was when the
 * layout started the next one.
 */
import PDFDocument from 'pdfkit';
import { registerPdfFonts } from './fonts.ts';

export const COLORS = {
  text: '#1d1d1f',
  muted: '#5f6368',
  rule: '#c8ccd0',
  heading: '#123b5f',
  headerFill: '#e9eef3',
  zebra: '#f6f8fa',
  missingFill: '#fff4e5',
  missingRule: '#e8a33d',
  okFill: '#eaf5ec',
  okRule: '#59a14f',
};

export interface Column {
  header: string;
  /** Share of the table width (normalised over the columns). */
  width: number;
  align?: 'left' | 'right' | 'center';
}

export class Layout {
  readonly doc: PDFKit.PDFDocument;
  readonly left: number;
  readonly width: number;
  private section = 0;
  /** A heading waiting for the block it belongs with: its height and how to draw it. */
  private pendingHeading: { height: number; draw: () => void } | null = null;
  /** Share of the text area used on each page the layout ended itself (pages full of flowing text are not listed). */
  readonly pageFills: { page: number; fill: number }[] = [];

  constructor(info: { title: string; subject: string; author?: string }) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: 54, bottom: 58, left: 50, right: 50 },
      bufferPages: true,
      autoFirstPage: true,
      info: { Title: info.title, Subject: info.subject, Author: info.author ?? 'earlybird', Creator: 'earlybird report', Producer: 'earlybird (pdfkit)' },
      lang: 'en',
      displayTitle: true,
    } as PDFKit.PDFDocumentOptions);
    registerPdfFonts(this.doc);
    this.doc.font('regular').fontSize(9.5).fillColor(COLORS.text);
    this.left = this.doc.page.margins.left;
    this.width = this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }

  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  get top(): number {
    return this.doc.page.margins.top;
  }

  /** Room left on this page, in points. */
  get room(): number {
    return this.bottom - this.doc.y;
  }

  private breakPage(): void {
    this.pageFills.push({ page: this.doc.bufferedPageRange().count, fill: Math.min(1, (this.doc.y - this.top) / (this.bottom - this.top)) });
    this.doc.addPage();
  }

  /** Starts a new page unless `height` points (and a heading waiting for them) still fit on this one. */
  ensure(height: number): void {
    const heading = this.pendingHeading;
    this.pendingHeading = null;
    if (this.doc.y + height + (heading?.height ?? 0) > this.bottom) this.breakPage();
    this.doc.x = this.left;
    heading?.draw();
  }

  newPage(): void {
    this.flushHeading();
    this.breakPage();
    this.doc.x = this.left;
  }

  /** Draws a heading still waiting for its block (before something that does not ask for room). */
  private flushHeading(): void {
    if (this.pendingHeading) this.ensure(0);
  }

  title(text: string, subtitle: string | null): void {
    const { doc } = this;
    doc.font('bold').fontSize(19).fillColor(COLORS.heading).text(text, this.left, doc.y, { width: this.width });
    if (subtitle) doc.moveDown(0.15).font('regular').fontSize(11).fillColor(COLORS.muted).text(subtitle, { width: this.width });
    doc.moveDown(0.4);
    this.rule();
  }

  rule(color = COLORS.rule): void {
    const { doc } = this;
    doc.save().strokeColor(color).lineWidth(0.7).moveTo(this.left, doc.y).lineTo(this.left + this.width, doc.y).stroke().restore();
    doc.moveDown(0.5);
  }

  /** A heading of `size`, drawn by the next block's `ensure` so that it goes to a new page with that block. */
  private deferHeading(text: string, size: number, before: number, after: number): void {
    this.flushHeading();
    const { doc } = this;
    doc.font('bold').fontSize(size);
    const height = doc.heightOfString(text, { width: this.width }) + (before + after) * doc.currentLineHeight(true);
    doc.font('regular').fontSize(9.5);
    this.pendingHeading = {
      height,
      draw: () => {
        // No gap above a heading that opens a page.
        if (doc.y > this.top + 1) doc.font('bold').fontSize(size).moveDown(before);
        doc.font('bold').fontSize(size).fillColor(COLORS.heading).text(text, this.left, doc.y, { width: this.width });
        doc.moveDown(after);
        doc.font('regular').fontSize(9.5).fillColor(COLORS.text);
      },
    };
  }

  /**
   * Numbered section heading ("3. Early-Bird ticket"), drawn with the block after it. `keep`: points of
   * that block that must fit beside it, for blocks that do not say their height (long paragraphs).
   */
  heading(text: string, keep = 40): string {
    this.section++;
    const numbered = `${this.section}. ${text}`;
    this.deferHeading(numbered, 13.5, 0.6, 0.35);
    this.minimumAfterHeading = keep;
    return numbered;
  }

  subheading(text: string, keep = 40): void {
    this.deferHeading(text, 10.5, 0.4, 0.25);
    this.minimumAfterHeading = keep;
  }

  /** What a block that cannot say its height keeps beside a waiting heading. */
  private minimumAfterHeading = 40;

  paragraph(text: string, options: { size?: number; color?: string; font?: 'regular' | 'bold' | 'condensed'; gap?: number } = {}): void {
    const { doc } = this;
    doc.font(options.font ?? 'regular').fontSize(options.size ?? 9.5).fillColor(options.color ?? COLORS.text);
    const height = doc.heightOfString(text, { width: this.width, lineGap: 1.5 });
    this.ensure(height < 120 ? height : Math.min(height, this.pendingHeading ? this.minimumAfterHeading : 40));
    // Again: a heading drawn by ensure leaves its own font behind.
    doc.font(options.font ?? 'regular').fontSize(options.size ?? 9.5).fillColor(options.color ?? COLORS.text);
    doc.text(text, this.left, doc.y, { width: this.width, lineGap: 1.5, align: 'left' });
    doc.moveDown(options.gap ?? 0.45);
    doc.font('regular').fontSize(9.5).fillColor(COLORS.text);
  }

  /** A short grey sentence in place of something the run did not record. */
  notRecorded(text: string): void {
    this.paragraph(text, { color: COLORS.muted, size: 9 });
  }

  bullets(items: readonly string[], options: { size?: number; color?: string } = {}): void {
    const { doc } = this;
    const size = options.size ?? 9;
    for (const item of items) {
      doc.font('regular').fontSize(size).fillColor(options.color ?? COLORS.text);
      const height = doc.heightOfString(item, { width: this.width - 12, lineGap: 1 });
      this.ensure(height + 2);
      doc.font('regular').fontSize(size).fillColor(options.color ?? COLORS.text);
      const y = doc.y;
      doc.text('•', this.left + 2, y, { width: 10, lineBreak: false });
      doc.text(item, this.left + 12, y, { width: this.width - 12, lineGap: 1 });
      doc.moveDown(0.2);
    }
    doc.x = this.left;
    doc.font('regular').fontSize(9.5).fillColor(COLORS.text);
  }

  /** A boxed list, e.g. the parts of the run that are missing. */
  box(title: string, items: readonly string[], tone: 'missing' | 'ok' = 'missing'): void {
    const { doc } = this;
    const pad = 8;
    const innerWidth = this.width - 2 * pad - 12;
    doc.font('bold').fontSize(10);
    const titleHeight = doc.heightOfString(title, { width: this.width - 2 * pad });
    doc.font('regular').fontSize(8.8);
    const itemHeights = items.map((item) => doc.heightOfString(item, { width: innerWidth, lineGap: 1 }) + 2);
    const total = titleHeight + 4 + itemHeights.reduce((a, b) => a + b, 0) + 2 * pad;
    this.ensure(Math.min(total, 400));
    const top = doc.y;
    const fill = tone === 'missing' ? COLORS.missingFill : COLORS.okFill;
    const stroke = tone === 'missing' ? COLORS.missingRule : COLORS.okRule;
    if (top + total <= this.bottom) {
      doc.save().rect(this.left, top, this.width, total).fill(fill).restore();
      doc.save().rect(this.left, top, 3, total).fill(stroke).restore();
    }
    doc.font('bold').fontSize(10).fillColor(COLORS.text).text(title, this.left + pad, top + pad, { width: this.width - 2 * pad });
    doc.moveDown(0.2);
    items.forEach((item) => {
      doc.font('regular').fontSize(8.8).fillColor(COLORS.text);
      const y = doc.y;
      doc.text('•', this.left + pad, y, { width: 10, lineBreak: false });
      doc.text(item, this.left + pad + 12, y, { width: innerWidth, lineGap: 1 });
      doc.moveDown(0.15);
    });
    doc.y = Math.max(doc.y, top + total);
    doc.x = this.left;
    doc.moveDown(0.6);
    doc.font('regular').fontSize(9.5).fillColor(COLORS.text);
  }

  /**
   * A table; rows that do not fit continue on the next page under a repeated header. Cells wrap
   * within their column.
   */
  table(columns: readonly Column[], rows: readonly (readonly string[])[], options: { size?: number; font?: 'regular' | 'condensed'; caption?: string } = {}): void {
    const { doc } = this;
    const size = options.size ?? 8.2;
    const bodyFont = options.font ?? 'condensed';
    const pad = 3.2;
    const totalShare = columns.reduce((a, c) => a + c.width, 0);
    const widths = columns.map((c) => (c.width / totalShare) * this.width);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((a, b) => a + b, 0));

    const rowHeight = (cells: readonly string[], font: string) => {
      doc.font(font).fontSize(size);
      return Math.max(...cells.map((text, i) => doc.heightOfString(text || ' ', { width: widths[i]! - 2 * pad, lineGap: 0.5 }))) + 2 * pad;
    };
    const drawRow = (cells: readonly string[], font: string, fill: string | null) => {
      const height = rowHeight(cells, font);
      const y = doc.y;
      if (fill) doc.save().rect(this.left, y, this.width, height).fill(fill).restore();
      doc.font(font).fontSize(size).fillColor(COLORS.text);
      cells.forEach((text, i) => {
        doc.text(text, xs[i]! + pad, y + pad, { width: widths[i]! - 2 * pad, align: columns[i]!.align ?? 'left', lineGap: 0.5 });
      });
      doc.y = y + height;
      doc.save().strokeColor(COLORS.rule).lineWidth(0.4).moveTo(this.left, doc.y).lineTo(this.left + this.width, doc.y).stroke().restore();
    };
    const header = columns.map((c) => c.header);
    const headerHeight = rowHeight(header, 'bold');
    const heights = rows.map((cells) => rowHeight(cells, bodyFont));
    const whole = headerHeight + heights.reduce((a, b) => a + b, 0) + (options.caption ? 14 : 0);
    // Short tables stay on one page; long ones start once the header and a first rows fit.
    const start = headerHeight + heights.slice(0, 3).reduce((a, b) => a + b, 0) + (options.caption ? 14 : 0);
    this.ensure(whole < 160 ? whole : start);
    if (options.caption) this.caption(options.caption, true);
    drawRow(header, 'bold', COLORS.headerFill);
    rows.forEach((cells, index) => {
      const height = rowHeight(cells, bodyFont);
      if (doc.y + height > this.bottom) {
        doc.addPage();
        drawRow(header, 'bold', COLORS.headerFill);
      }
      drawRow(cells, bodyFont, index % 2 === 1 ? COLORS.zebra : null);
    });
    doc.x = this.left;
    doc.moveDown(0.6);
    doc.font('regular').fontSize(9.5).fillColor(COLORS.text);
  }

  /** Two-column label/value table. */
  keyValues(rows: readonly (readonly [string, string])[], labelShare = 0.27): void {
    this.table([{ header: 'Item', width: labelShare }, { header: 'Value', width: 1 - labelShare }], rows.map(([k, v]) => [k, v]), { font: 'regular', size: 8.6 });
  }

  caption(text: string, above = false): void {
    const { doc } = this;
    doc.font('regular').fontSize(8).fillColor(COLORS.muted);
    doc.text(text, this.left, doc.y, { width: this.width, lineGap: 0.8 });
    doc.moveDown(above ? 0.25 : 0.6);
    doc.font('regular').fontSize(9.5).fillColor(COLORS.text);
  }

  /**
   * A chart PNG drawn `heightPt` tall across the text width, with its caption below. Where it does
   * not fit the rest of the page but would at `minScale` of its size or more, it is drawn that much
   * smaller there rather than leaving the space blank.
   */
  figure(png: Buffer, widthPt: number, heightPt: number, caption: string, minScale = 0.8): void {
    const { doc } = this;
    doc.font('regular').fontSize(8);
    const captionHeight = doc.heightOfString(caption, { width: this.width, lineGap: 0.8 });
    const headingHeight = this.pendingHeading?.height ?? 0;
    const room = this.room - captionHeight - 8 - headingHeight;
    const scale = room >= heightPt ? 1 : room >= heightPt * minScale ? room / heightPt : 1;
    this.ensure(heightPt * scale + captionHeight + 8);
    const y = doc.y;
    const [w, h] = [widthPt * scale, heightPt * scale];
    doc.image(png, this.left + (this.width - w) / 2, y, { width: w, height: h });
    doc.y = y + h + 4;
    this.caption(caption);
  }

  /** Footer on every page: run id, page x of n. */
  footer(left: string): number {
    this.flushHeading();
    const { doc } = this;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      const bottomMargin = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      const y = doc.page.height - 36;
      doc.save().strokeColor(COLORS.rule).lineWidth(0.5).moveTo(this.left, y - 6).lineTo(this.left + this.width, y - 6).stroke().restore();
      doc.font('regular').fontSize(7.5).fillColor(COLORS.muted);
      doc.text(left, this.left, y, { width: this.width * 0.75, lineBreak: false, ellipsis: true });
      doc.text(`page ${i + 1} of ${range.count}`, this.left + this.width * 0.75, y, { width: this.width * 0.25, align: 'right', lineBreak: false });
      doc.page.margins.bottom = bottomMargin;
    }
    return range.count;
  }

  /** Ends the document and returns its bytes. */
  finish(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    return new Promise((resolvePromise, reject) => {
      this.doc.on('data', (chunk: Buffer) => chunks.push(chunk));
      this.doc.on('end', () => resolvePromise(Buffer.concat(chunks)));
      this.doc.on('error', reject);
      this.doc.end();
    });
  }
}
