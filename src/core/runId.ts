/**
 * What a run id may be: a folder name directly inside the runs folder (letters, digits, . _ -;
 * never . or ..). Pure (no node imports), so the page and the sweep-point ids build on the same text.
 */

/** The run id as a regular-expression fragment, for patterns that embed it (a sweep point's id). */
export const RUN_ID_PART = '(?!\\.{1,2}$)[A-Za-z0-9._-]{1,120}';
export const RUN_ID_PATTERN = new RegExp(`^${RUN_ID_PART}$`);
export const isRunId = (text: string): boolean => RUN_ID_PATTERN.test(text);
