/**
 * The experiment form: renders the fields built from the config schema (fields.ts), reads them into
 * a config object, fills them from one, and shows validation issues next to the field each names
 * (or in the form's issue list when no field matches, e.g. an unknown key in a loaded file).
 *
 * Lossless: the form edits the config it was last filled with. Reading starts from that config and
 * sets the fields over it, so whatever the form has no field for is kept as it was, and listed
 * under "Kept from the loaded config" (with a button to remove it), never dropped.
 */
import type { ApiOutputs, RendererApi, ValidationIssue } from '../../../../src/api/contract.ts';
import { h, replaceChildren, uniqueId } from '../../ui/dom.ts';
import { createDatasetField, type DatasetField } from './datasetField.ts';
import { buildFieldGroups, CUSTOM_FIELDS, schemaAt, deletePath, getPath, leafPaths, setPath, SILENT_FIELDS, type FieldSpec } from './fields.ts';

type Control = HTMLInputElement | HTMLSelectElement;

interface BoundField {
  spec: FieldSpec;
  control: Control;
  wrapper: HTMLElement;
  error: HTMLElement;
}

export interface SetupForm {
  element: HTMLElement;
  read(): { config: Record<string, unknown>; localIssues: ValidationIssue[] };
  fill(config: unknown): void;
  showIssues(issues: ValidationIssue[]): void;
  /** Focuses the first field with an issue; false when none has one. */
  focusFirstIssue(): boolean;
  /** Whether an issue's path names a field of the form. */
  hasField(path: string): boolean;
  /** Paths of the filled config the form has no field for: kept as they were, and listed. */
  kept(): string[];
  /** Sets one field's text as if typed (no change event): e.g. clears the name a preset filled in. */
  setText(path: string, text: string): void;
  /** What the field at `path` allows, in words ("whole number, at least 1…"), or null when no field has it. */
  allowedFor(path: string): string | null;
}

/** The form's columns, left to right, by group id (of similar height; a group not named goes last). */
const SETUP_COLUMNS: readonly (readonly string[])[] = [['data', 'model'], ['training', 'energy'], ['search', 'run'], ['comparisons']];

function numberFrom(text: string, integer: boolean): number | string {
  const n = Number(text);
  return Number.isFinite(n) && (!integer || Number.isInteger(n)) ? n : text;
}

export function createSetupForm(api: RendererApi, defaults: ApiOutputs['experiment:defaults'], info: ApiOutputs['app:info'], onChange: () => void): SetupForm {
  const fields: BoundField[] = [];
  const dataset: DatasetField = createDatasetField(api, info.canPickFolders, defaults.dataForms, onChange);
  const modelHelp = h('p', { class: 'help', testid: 'model-description' });
  // The adapter a GPU run would use, found before the run (a child process asks Dawn).
  const gpu = defaults.gpu;
  const backendHelp = h('p', { class: 'help', testid: 'backend-adapter' },
    gpu.adapter ? `GPU: ${gpu.adapter}${gpu.usedByAuto ? ' (auto uses it)' : ` — ${gpu.reason}`}` : `GPU: none found (${gpu.reason})`);
  const generalIssues = h('ul', { class: 'form-issues', testid: 'form-issues', role: 'alert', hidden: true });
  const keptList = h('ul', { class: 'kept-list' });
  const keptBox = h('div', { class: 'card kept', testid: 'form-kept', hidden: true },
    h('p', {}, 'Kept from the loaded config (no field for it here; saved and started as it is):'), keptList);
  // The config the form was last filled with: what reading starts from.
  let base: Record<string, unknown> = {};

  const optionsFor = (spec: FieldSpec): { value: string; label: string }[] => [...(spec.options ?? [])];

  const makeControl = (spec: FieldSpec, id: string, errorId: string): Control => {
    const common = { id, name: spec.path, testid: `field-${spec.path}`, 'aria-describedby': errorId };
    if (spec.kind === 'select') {
      return h('select', common, optionsFor(spec).map((o) => h('option', { value: o.value }, o.label)));
    }
    if (spec.kind === 'checkbox') return h('input', { ...common, type: 'checkbox' });
    if (spec.kind === 'int' || spec.kind === 'number') {
      return h('input', { ...common, type: 'number', step: spec.kind === 'int' ? '1' : 'any', min: spec.exclusiveMin ? undefined : spec.min, max: spec.exclusiveMax ? undefined : spec.max, inputmode: spec.kind === 'int' ? 'numeric' : 'decimal', placeholder: spec.placeholder });
    }
    return h('input', { ...common, type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: spec.placeholder ?? (spec.kind === 'numberList' ? 'e.g. 0.3, 0.5, 0.7' : undefined) });
  };

  const renderField = (spec: FieldSpec): HTMLElement => {
    const id = uniqueId('f');
    const errorId = uniqueId('err');
    const control = makeControl(spec, id, errorId);
    const error = h('p', { class: 'field-error', id: errorId, testid: `error-${spec.path}`, hidden: true });
    const help = h('p', { class: 'help' }, spec.help ? `${spec.help} ` : '', h('span', { class: 'allowed', testid: `allowed-${spec.path}` }, `Allowed: ${spec.allowed}.`));
    const wrapper = spec.kind === 'checkbox'
      ? h('div', { class: 'field checkbox-field', 'data-path': spec.path }, h('label', { for: id }, control, spec.label), help, error)
      : h('div', { class: 'field', 'data-path': spec.path }, h('label', { for: id }, spec.label), control, spec.path === 'model.name' ? modelHelp : spec.path === 'backend' ? backendHelp : null, help, error);
    control.addEventListener(spec.kind === 'checkbox' || spec.kind === 'select' ? 'change' : 'input', () => {
      if (spec.path === 'search.ratios') syncPruneOptions();
      syncEnabled();
      onChange();
    });
    fields.push({ spec, control, wrapper, error });
    return wrapper;
  };

  const groupCards = new Map<string, HTMLElement>();
  const groups = buildFieldGroups(defaults.schema).map((group) => {
    const basic = group.fields.filter((f) => !f.advanced).map(renderField);
    const advanced = group.fields.filter((f) => f.advanced).map(renderField);
    const card = h('fieldset', { class: 'card group', testid: `group-${group.id}` },
      h('legend', {}, group.title),
      group.description ? h('p', { class: 'help group-help' }, group.description) : null,
      basic,
      advanced.length ? h('details', { class: 'more' }, h('summary', {}, 'More settings'), advanced) : null,
    );
    groupCards.set(group.id, card);
    return card;
  });
  // The data set sits with the other data fields, first.
  const dataGroup = groups[0]!;
  dataGroup.querySelector('legend')!.after(dataset.element);
  // Each card has a fixed column, so a card that grows (the data set's folder row, an error, "More
  // settings" opened) lengthens its own column and never moves a card into another one.
  const placed = new Set(SETUP_COLUMNS.flat());
  const columns = SETUP_COLUMNS.map((ids, i) => h('div', { class: 'group-column', 'data-column': i + 1 },
    [...ids, ...(i === SETUP_COLUMNS.length - 1 ? [...groupCards.keys()].filter((id) => !placed.has(id)) : [])].map((id) => groupCards.get(id)).filter((card): card is HTMLElement => card !== undefined)));

  const element = h('form', { class: 'setup-form', novalidate: true, testid: 'setup-form' }, generalIssues, keptBox, h('div', { class: 'group-grid' }, columns));
  element.addEventListener('submit', (event) => event.preventDefault());

  const field = (path: string) => fields.find((f) => f.spec.path === path)!;

  const syncModelHelp = () => {
    const name = (field('model.name').control as HTMLSelectElement).value;
    modelHelp.textContent = defaults.models.find((m) => m.name === name)?.description ?? '';
  };
  field('model.name').control.addEventListener('change', syncModelHelp);

  const syncPruneOptions = (wanted?: string) => {
    const select = field('search.pruneRatio').control as HTMLSelectElement;
    const current = wanted ?? select.value;
    const ratios = (field('search.ratios').control as HTMLInputElement).value.split(/[\s,;]+/).filter(Boolean).map(Number).filter((n) => Number.isFinite(n));
    const values = [...new Set(ratios)];
    if (current && !values.some((v) => String(v) === current)) values.push(Number(current));
    replaceChildren(select, values.map((v) => h('option', { value: String(v) }, ratios.includes(v) ? String(v) : `${v} (not tracked)`)));
    if (current) select.value = current;
  };

  const read = (): { config: Record<string, unknown>; localIssues: ValidationIssue[] } => {
    const config = structuredClone(base);
    const localIssues: ValidationIssue[] = [];
    const data = dataset.read();
    setPath(config, 'data.spec', data.spec);
    if (data.localIssue) localIssues.push({ path: 'data.spec', message: data.localIssue });
    for (const { spec, control } of fields) {
      if (control instanceof HTMLInputElement && control.type === 'checkbox') {
        // An optional switch the config left out stays out while off (absent means off, and keeps the config's hash).
        if (!control.checked && spec.optional && getPath(base, spec.path) === undefined) deletePath(config, spec.path);
        else setPath(config, spec.path, control.checked);
        continue;
      }
      const text = control.value.trim();
      if (spec.kind === 'int' || spec.kind === 'number') {
        if (control instanceof HTMLInputElement && control.validity.badInput) {
          localIssues.push({ path: spec.path, message: 'enter a number' });
          setPath(config, spec.path, null);
        } else if (text === '') {
          if (spec.optional) deletePath(config, spec.path);
          else setPath(config, spec.path, null);
        } else setPath(config, spec.path, numberFrom(text, false));
      } else if (spec.kind === 'numberList') {
        if (text === '' && spec.optional) deletePath(config, spec.path);
        else setPath(config, spec.path, text.split(/[\s,;]+/).filter(Boolean).map((t) => numberFrom(t, false)));
      } else if (spec.kind === 'select' && spec.choicesFromRatios) {
        setPath(config, spec.path, numberFrom(text, false));
      } else if (text === '' && spec.optional) {
        // Empty means "left out", unless the config held an empty string there (a valid name: "").
        if (getPath(base, spec.path) !== '') deletePath(config, spec.path);
      } else {
        setPath(config, spec.path, text);
      }
    }
    return { config, localIssues };
  };

  const syncEnabled = () => {
    const { config } = read();
    for (const f of fields) {
      if (!f.spec.enabledWhen) continue;
      const enabled = f.spec.enabledWhen(config);
      f.control.disabled = !enabled;
      f.wrapper.classList.toggle('disabled', !enabled);
    }
  };

  const keptPaths = (): string[] => {
    const shown = [...fields.map((f) => f.spec.path), ...CUSTOM_FIELDS, ...SILENT_FIELDS];
    // A key the schema does not know is listed (and removed) whole, at its first unknown level.
    const unknownRoot = (path: string) => {
      const keys = path.split('.');
      const first = keys.findIndex((_, i) => !schemaAt(defaults.schema, keys.slice(0, i + 1).join('.')));
      return first < 0 ? path : keys.slice(0, first + 1).join('.');
    };
    return [...new Set(leafPaths(base).filter((path) => !shown.some((p) => path === p || path.startsWith(`${p}.`))).map(unknownRoot))];
  };

  const renderKept = () => {
    const paths = keptPaths();
    keptBox.hidden = paths.length === 0;
    replaceChildren(keptList, paths.map((path) => {
      const remove = h('button', { type: 'button', class: 'link-button', testid: `kept-remove-${path}` }, 'Remove');
      remove.addEventListener('click', () => {
        deletePath(base, path);
        renderKept();
        onChange();
      });
      return h('li', { testid: `kept-${path}` }, h('code', {}, path), ` = ${JSON.stringify(getPath(base, path))} `, remove);
    }));
  };

  /** A select shows a loaded value it does not offer as "(not allowed)", so the value is neither lost nor hidden. */
  const selectValue = (select: HTMLSelectElement, value: unknown) => {
    select.querySelectorAll('option[data-not-allowed]').forEach((o) => o.remove());
    const text = value === undefined || value === null ? '' : String(value);
    if (![...select.options].some((o) => o.value === text)) {
      select.append(h('option', { value: text, 'data-not-allowed': 'true' }, text === '' ? '(none)' : `${text} (not allowed)`));
    }
    select.value = text;
  };

  /**
   * A plain value where the config should hold the field's object (`"model": "tiny"` for
   * `model.name`): shown in the field rather than a blank choice, so the loaded value is not lost.
   */
  const valueInPlaceOf = (config: unknown, path: string): unknown => {
    const keys = path.split('.');
    for (let i = keys.length - 1; i > 0; i--) {
      const parent = getPath(config, keys.slice(0, i).join('.'));
      if (parent !== undefined && parent !== null && typeof parent !== 'object') return parent;
    }
    return undefined;
  };

  const fill = (config: unknown) => {
    base = config && typeof config === 'object' && !Array.isArray(config) ? structuredClone(config as Record<string, unknown>) : {};
    dataset.write(String(getPath(config, 'data.spec') ?? 'mnist'));
    for (const { spec, control } of fields) {
      const value = getPath(config, spec.path);
      if (control instanceof HTMLInputElement && control.type === 'checkbox') control.checked = Boolean(value);
      else if (spec.kind === 'numberList') control.value = Array.isArray(value) ? value.join(', ') : value === undefined ? '' : String(value);
      else if (control instanceof HTMLSelectElement && !spec.choicesFromRatios) selectValue(control, value ?? valueInPlaceOf(config, spec.path));
      else control.value = value === undefined || value === null ? '' : String(value);
    }
    renderKept();
    const prune = getPath(config, 'search.pruneRatio');
    syncPruneOptions(prune === undefined || prune === null ? '' : String(prune));
    syncModelHelp();
    syncEnabled();
  };

  const fieldFor = (path: string): BoundField | undefined =>
    fields.filter((f) => path === f.spec.path || path.startsWith(`${f.spec.path}.`)).sort((a, b) => b.spec.path.length - a.spec.path.length)[0];

  const showIssues = (issues: ValidationIssue[]) => {
    const byField = new Map<HTMLElement, string[]>();
    const unmatched: ValidationIssue[] = [];
    for (const issue of issues) {
      if (issue.path === 'data.spec' || issue.path.startsWith('data.spec.')) {
        byField.set(dataset.errorElement, [...(byField.get(dataset.errorElement) ?? []), issue.message]);
        continue;
      }
      const f = fieldFor(issue.path);
      if (!f) {
        unmatched.push(issue);
        continue;
      }
      const suffix = issue.path.slice(f.spec.path.length + 1);
      byField.set(f.error, [...(byField.get(f.error) ?? []), suffix ? `item ${Number(suffix) + 1 || suffix}: ${issue.message}` : issue.message]);
    }
    const errorElements = [dataset.errorElement, ...fields.map((f) => f.error)];
    for (const el of errorElements) {
      const messages = byField.get(el);
      el.hidden = !messages;
      el.textContent = messages ? messages.join('; ') : '';
      const control = el === dataset.errorElement ? dataset.focusTarget() : fields.find((f) => f.error === el)?.control;
      if (control) {
        if (messages) control.setAttribute('aria-invalid', 'true');
        else control.removeAttribute('aria-invalid');
      }
      el.closest('.field, fieldset')?.classList.toggle('invalid', Boolean(messages));
    }
    generalIssues.hidden = unmatched.length === 0;
    replaceChildren(generalIssues, unmatched.map((i) => h('li', {}, h('code', {}, i.path), ': ', i.message)));
    element.dataset.issues = String(issues.length);
  };

  const focusFirstIssue = () => {
    if (!dataset.errorElement.hidden) {
      dataset.focusTarget().focus();
      return true;
    }
    const first = fields.find((f) => !f.error.hidden);
    if (!first) return !generalIssues.hidden;
    first.wrapper.closest('details')?.setAttribute('open', '');
    first.control.focus();
    return true;
  };

  const hasField = (path: string) => path === 'data.spec' || path.startsWith('data.spec.') || fieldFor(path) !== undefined;

  const setText = (path: string, text: string) => {
    const f = fieldFor(path);
    if (f && f.spec.path === path) f.control.value = text;
  };
  const allowedFor = (path: string) => fieldFor(path)?.spec.allowed ?? null;

  return { element, read, fill, showIssues, focusFirstIssue, hasField, kept: keptPaths, setText, allowedFor };
}
