/**
 * Setup: the experiment form with presets, Load/Save config and Start. Every change is checked by
 * `experiment:validate` (debounced) and each issue shown next to its field; Start checks again
 * and switches to the Live screen with the new run.
 */
import type { ApiOutputs, RendererApi, ValidationIssue } from '../../../src/api/contract.ts';
import { issuesOf, messageOf } from '../api/connectApi.ts';
import { h } from '../ui/dom.ts';
import { createNotice } from '../ui/notice.ts';
import { getPath, mergeDeep } from './setup/fields.ts';
import { createSetupForm } from './setup/setupForm.ts';

export interface SetupScreen {
  element: HTMLElement;
  /** Fills the form with a run's config ("Run again"); `from` names the run in the notice. */
  load(config: unknown, from: string): void;
}

function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** How long a confirmation in the Start bar stands before it clears itself. */
const CONFIRMATION_MS = 12_000;

export function createSetupScreen(api: RendererApi, defaults: ApiOutputs['experiment:defaults'], info: ApiOutputs['app:info'], onStarted: (runId: string) => void): SetupScreen {
  let validateTimer: ReturnType<typeof setTimeout> | undefined;
  let validation = 0;
  // In the sticky Start bar, so always in view; a confirmation ("Demo settings loaded.") expires, and
  // goes at the next edit, since from then on the form is no longer what was loaded.
  const notice = createNotice('setup-notice', { expireMs: CONFIRMATION_MS, reveal: false });
  // The preset whose name the form's Name field holds, and the data and model it was named for.
  let preset: { name: string; spec: string; model: string } | null = null;
  const status = h('span', { class: 'validity', testid: 'form-validity', 'aria-live': 'polite' }, '');

  const validate = async (): Promise<{ ok: boolean; config: unknown; issues: ValidationIssue[] }> => {
    const id = ++validation;
    const { config, localIssues } = form.read();
    let issues = localIssues;
    let validated: unknown = config;
    try {
      const result = await api.call('experiment:validate', { config });
      if (result.ok) validated = result.config;
      else issues = [...localIssues, ...result.issues.filter((i) => !localIssues.some((l) => l.path === i.path))];
    } catch (error) {
      issues = [...localIssues, ...issuesOf(error)];
      if (!issuesOf(error).length) notice.show('error', `Could not validate: ${messageOf(error)}`);
    }
    if (id === validation) {
      form.showIssues(issues);
      status.textContent = issues.length ? `${issues.length} field${issues.length > 1 ? 's need' : ' needs'} attention` : 'Ready to start';
      status.className = `validity ${issues.length ? 'bad' : 'ok'}`;
      startButton.setAttribute('aria-describedby', status.id);
    }
    return { ok: issues.length === 0, config: validated, issues };
  };

  const scheduleValidate = () => {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(() => void validate(), 250);
  };

  /** A preset's name names its data and model: once either changes, the name no longer fits and goes. */
  const dropStalePresetName = () => {
    if (!preset) return;
    const { config } = form.read();
    const name = getPath(config, 'name');
    if (name !== preset.name) {
      preset = null; // renamed by hand: the user's name stays
      return;
    }
    if (getPath(config, 'data.spec') !== preset.spec || getPath(config, 'model.name') !== preset.model) {
      form.setText('name', '');
      preset = null;
    }
  };

  const onEdit = () => {
    if (notice.element.dataset.kind !== 'error') notice.clear();
    dropStalePresetName();
    scheduleValidate();
  };

  const form = createSetupForm(api, defaults, info, onEdit);
  status.id = 'setup-validity';

  const startButton = h('button', { type: 'button', class: 'primary', testid: 'start-experiment' }, 'Start experiment');
  startButton.addEventListener('click', async () => {
    clearTimeout(validateTimer);
    startButton.disabled = true;
    notice.clear();
    try {
      const check = await validate();
      if (!check.ok) {
        form.focusFirstIssue();
        notice.show('error', 'Fix the highlighted fields first.');
        return;
      }
      const { config } = form.read();
      const started = await api.call('experiment:start', { config });
      notice.show('ok', started.study
        ? `Started the study ${started.study.sweep}: ${started.study.runIds.length} seeds, one run each, one after another (Runs lists them under Studies).`
        : `Started ${started.runId}`);
      onStarted(started.runId);
    } catch (error) {
      const issues = issuesOf(error);
      if (issues.length) {
        form.showIssues(issues);
        form.focusFirstIssue();
      }
      notice.show('error', `Could not start: ${messageOf(error)}`);
    } finally {
      startButton.disabled = false;
    }
  });

  const fileInput = h('input', { type: 'file', accept: '.json,application/json', class: 'visually-hidden', tabindex: -1, testid: 'load-config-input', 'aria-hidden': 'true' });
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    let raw: unknown;
    try {
      raw = JSON.parse(await file.text());
    } catch (error) {
      notice.show('error', `${file.name} is not valid JSON (${(error as Error).message})`);
      return;
    }
    preset = null;
    try {
      const result = await api.call('experiment:validate', { config: raw });
      if (result.ok) {
        form.fill(result.config);
        const kept = form.kept();
        const seeds = result.config.seeds?.length ?? result.config.repeats;
        notice.show('ok', `Loaded ${file.name}.`,
          seeds ? ` ${seeds} seeds: Start runs the study, one run per seed.` : '',
          kept.length ? ` Kept as loaded, without a field here: ${kept.join(', ')}.` : '');
      } else {
        // Every value is kept as it is in the file (bad ones too), so nothing is lost while it is fixed; a
        // valid config this machine cannot run (its data folder is not here) is shown as parsed.
        form.fill(result.config ?? mergeDeep(defaults.config, raw));
        notice.show('error', `Loaded ${file.name} with ${result.issues.length} problem${result.issues.length > 1 ? 's' : ''}; fix ${result.issues.length > 1 ? 'them' : 'it'} to start:`,
          ...result.issues.map((i) => h('span', { class: 'load-issue' }, ' ', h('code', {}, i.path), `: ${i.message}${loadedValue(raw, i.path)}${allowed(i)}${form.hasField(i.path) ? ' (marked at the field)' : ''}.`)));
      }
    } catch (error) {
      notice.show('error', `Could not load ${file.name}: ${messageOf(error)}`);
    }
    void validate();
  });

  const saveButton = h('button', { type: 'button', testid: 'save-config' }, 'Save config');
  saveButton.addEventListener('click', async () => {
    const check = await validate();
    const config = check.ok ? check.config : form.read().config;
    const model = String((config as { model?: { name?: string } }).model?.name ?? 'experiment');
    const stamp = new Date().toISOString().slice(0, 10);
    download(`earlybird-${model}-${stamp}.json`, `${JSON.stringify(config, null, 2)}\n`);
    notice.show(check.ok ? 'ok' : 'info', check.ok ? 'Config saved (every setting, defaults included).' : 'Saved as entered; it does not validate yet.');
  });
  const loadButton = h('button', { type: 'button', testid: 'load-config' }, 'Load config…');
  loadButton.addEventListener('click', () => fileInput.click());

  /** ", found 0" for an issue whose path holds a value in the loaded file. */
  const loadedValue = (raw: unknown, path: string): string => {
    const value = getPath(raw, path);
    return value === undefined ? '' : ` (found ${JSON.stringify(value)})`;
  };
  /** "; allowed: whole number, …" for an issue about a field of the form whose message does not list the choices already. */
  const allowed = (issue: ValidationIssue): string => {
    const text = issue.path === 'data.spec' || issue.message.startsWith('must be one of') ? null : form.allowedFor(issue.path);
    return text ? `; allowed: ${text}` : '';
  };

  const presetButton = (label: string, testId: string, config: unknown) => {
    const button = h('button', { type: 'button', testid: testId }, label);
    button.addEventListener('click', () => {
      form.fill(config);
      const name = getPath(config, 'name');
      preset = typeof name === 'string' && name ? { name, spec: String(getPath(config, 'data.spec')), model: String(getPath(config, 'model.name')) } : null;
      notice.show('info', `${label} settings loaded.`);
      void validate();
    });
    return button;
  };

  const element = h('div', { class: 'screen setup-screen' },
    h('header', { class: 'screen-head' },
      h('div', {}, h('h2', {}, 'Set up an experiment'), h('p', { class: 'lede' }, 'Train, find the Early-Bird ticket from the BatchNorm channel masks, prune for real, retrain, and measure the energy against the dense network.')),
      h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Presets and config files' },
        h('span', { class: 'toolbar-label' }, 'Preset:'), presetButton('Demo', 'preset-demo', defaults.demo), presetButton('Defaults', 'preset-defaults', defaults.config),
        h('span', { class: 'sep', 'aria-hidden': 'true' }), loadButton, saveButton, fileInput),
    ),
    form.element,
    h('div', { class: 'action-bar' }, notice.element, status, startButton),
  );

  form.fill(defaults.config);
  void validate();
  return {
    element,
    load(config, from) {
      preset = null;
      form.fill(mergeDeep(defaults.config, config));
      notice.show('info', `Settings of ${from} loaded: change what you like and start.`);
      void validate();
    },
  };
}
