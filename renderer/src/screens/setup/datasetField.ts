/**
 * The data set as the user thinks of it — the embedded digits, an IDX folder, a CIFAR-10 folder
 * or any other spec — turned into the config's `data.spec` string and back.
 */
import type { RendererApi } from '../../../../src/api/contract.ts';
import { h, uniqueId } from '../../ui/dom.ts';

type Kind = 'mnist' | 'idx' | 'cifar10' | 'other';

const KINDS: { value: Kind; label: string; hint: string }[] = [
  { value: 'mnist', label: 'Embedded digits (mnist)', hint: '10,000 handwritten digits shipped with the app; no download.' },
  { value: 'idx', label: 'IDX folder', hint: 'MNIST-format files (train-images-idx3-ubyte[.gz], …), e.g. MNIST or Fashion-MNIST.' },
  { value: 'cifar10', label: 'CIFAR-10 folder', hint: 'The binary batches (data_batch_1..5.bin, test_batch.bin); empty = the download cache.' },
  { value: 'other', label: 'Other spec', hint: '' },
];

export interface DatasetField {
  element: HTMLElement;
  /** The element an issue for `data.spec` is shown in. */
  errorElement: HTMLElement;
  focusTarget(): HTMLElement;
  read(): { spec: string; localIssue: string | null };
  write(spec: string): void;
}

export function createDatasetField(api: RendererApi, canPickFolders: boolean, dataForms: string[], onChange: () => void): DatasetField {
  const name = uniqueId('data-kind');
  const radios = new Map<Kind, HTMLInputElement>();
  const errorId = uniqueId('err');
  const pathInput = h('input', { type: 'text', id: uniqueId('data-path'), testid: 'field-data.path', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': errorId });
  const pathLabel = h('label', { for: pathInput.id }, 'Folder');
  const pick = canPickFolders ? h('button', { type: 'button', testid: 'pick-folder' }, 'Choose folder…') : null;
  const hint = h('p', { class: 'help' }, '');
  const errorElement = h('p', { class: 'field-error', id: errorId, testid: 'error-data.spec', hidden: true });
  const pathRow = h('div', { class: 'field path-field' }, pathLabel, h('div', { class: 'inline' }, pathInput, pick), hint);

  const radioRow = h('div', { class: 'radio-group', role: 'radiogroup', 'aria-label': 'Data set' },
    KINDS.map((k) => {
      const input = h('input', { type: 'radio', name, value: k.value, id: uniqueId('data-kind'), testid: `data-kind-${k.value}` });
      input.addEventListener('change', () => {
        sync();
        onChange();
      });
      radios.set(k.value, input);
      return h('label', { class: 'radio', for: input.id }, input, k.label);
    }),
  );
  const element = h('div', { class: 'field dataset-field', testid: 'dataset-field' }, h('span', { class: 'label', id: uniqueId('data-label') }, 'Data set'), radioRow, pathRow, errorElement);
  radioRow.setAttribute('aria-labelledby', element.firstElementChild!.id);
  radioRow.removeAttribute('aria-label');

  const kind = (): Kind => ([...radios].find(([, r]) => r.checked)?.[0] ?? 'mnist');
  const sync = () => {
    const k = kind();
    pathRow.hidden = k === 'mnist';
    pathLabel.textContent = k === 'other' ? 'Data spec' : 'Folder';
    pathInput.placeholder = k === 'cifar10' ? 'download cache' : k === 'other' ? 'e.g. fashion-mnist:/data/fashion' : '/path/to/folder';
    hint.textContent = k === 'other' ? `Accepted: ${dataForms.map((f) => f.split(/\s{2,}/)[0]).join(', ')}` : KINDS.find((x) => x.value === k)!.hint;
    if (pick) pick.hidden = k === 'other';
  };
  pathInput.addEventListener('input', onChange);
  pick?.addEventListener('click', async () => {
    const result = await api.call('dialog:pickFolder', { title: 'Choose the data folder' });
    if (result.path) {
      pathInput.value = result.path;
      onChange();
    }
  });
  sync();

  return {
    element,
    errorElement,
    focusTarget: () => (kind() === 'mnist' ? radios.get('mnist')! : pathInput),
    read() {
      const k = kind();
      const path = pathInput.value.trim();
      if (k === 'mnist') return { spec: 'mnist', localIssue: null };
      if (k === 'cifar10') return { spec: path ? `cifar10:${path}` : 'cifar10', localIssue: null };
      if (k === 'idx') return { spec: path ? `idx:${path}` : 'idx:', localIssue: path ? null : 'choose the folder that holds the IDX files' };
      return { spec: path, localIssue: path ? null : 'enter a data spec' };
    },
    write(spec) {
      let k: Kind = 'other';
      let path = spec;
      if (spec === 'mnist') [k, path] = ['mnist', ''];
      else if (spec.startsWith('idx:')) [k, path] = ['idx', spec.slice(4)];
      else if (spec === 'cifar10') [k, path] = ['cifar10', ''];
      else if (spec.startsWith('cifar10:')) [k, path] = ['cifar10', spec.slice(8)];
      radios.get(k)!.checked = true;
      pathInput.value = path;
      sync();
    },
  };
}
