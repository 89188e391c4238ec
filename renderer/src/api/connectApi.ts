/**
 * Which `window.api` the page talks to: Electron's preload provides one; in a browser the page
 * builds it from the token in its own URL. Nothing else in the renderer knows the transport.
 */
import type { RendererApi, ValidationIssue } from '../../../src/api/contract.ts';
import { createBrowserApi } from './browserApi.ts';

export class NoApiError extends Error {
  override readonly name = 'NoApiError';
}

export function connectApi(): RendererApi {
  if (window.api) return window.api;
  const token = new URLSearchParams(window.location.search).get('token');
  if (!token) throw new NoApiError('This page needs the URL that `earlybird serve` printed: it carries the access token.');
  const api = createBrowserApi(token);
  Object.defineProperty(window, 'api', { value: api, writable: false, configurable: false });
  return api;
}

/** The fields a failed call names, whatever the transport made of the error. */
export function issuesOf(error: unknown): ValidationIssue[] {
  const issues = (error as { issues?: unknown })?.issues;
  return Array.isArray(issues) ? (issues as ValidationIssue[]) : [];
}

export function messageOf(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  // Electron prefixes remote errors with "Error invoking remote method 'api:…': Error: ".
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}
