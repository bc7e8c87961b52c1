import { describe, expect, it } from 'vitest';
import { isTraceId, traceIdOf, traceViewerLink } from './errors.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('trace ids', () => {
  it('accepts only 32 lowercase hex', () => {
    expect(isTraceId(TRACE_ID)).toBe(true);
    for (const value of [TRACE_ID.toUpperCase(), TRACE_ID.slice(2), ` ${TRACE_ID}`, null, undefined, 7]) {
      expect(isTraceId(value)).toBe(false);
    }
  });

  it('reads an API error\'s trace id, or null', () => {
    expect(traceIdOf({ traceId: TRACE_ID })).toBe(TRACE_ID);
    expect(traceIdOf({ traceId: 'nope' })).toBeNull();
    expect(traceIdOf(new Error('x'))).toBeNull();
    expect(traceIdOf(null)).toBeNull();
  });

  it('links only a well-formed id, and only with a template', () => {
    expect(traceViewerLink(TRACE_ID, 'http://localhost:16686/trace/{trace_id}')).toBe(
      `http://localhost:16686/trace/${TRACE_ID}`,
    );
    expect(traceViewerLink(TRACE_ID, null)).toBeNull();
    expect(traceViewerLink(TRACE_ID, '')).toBeNull();
    expect(traceViewerLink('javascript:alert(1)', 'http://x/{trace_id}')).toBeNull();
  });
});
