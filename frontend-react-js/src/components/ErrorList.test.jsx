import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.js';
import { LOCAL_TRACE_VIEWER_URL } from '../config.js';
import ErrorList from './ErrorList.jsx';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function renderErrors(props) {
  render(<ErrorList errors={['not_found']} {...props} />);
  return screen.getByRole('alert');
}

describe('error list', () => {
  it('shows the trace id as a link to the trace viewer, in a new tab', () => {
    const alert = renderErrors({ traceId: TRACE_ID, viewerUrl: LOCAL_TRACE_VIEWER_URL });
    const link = within(alert).getByRole('link', { name: TRACE_ID });
    expect(link).toHaveAttribute('href', `http://localhost:16686/trace/${TRACE_ID}`);
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
    // The codes stay the list's only items.
    expect(within(alert).getAllByRole('listitem').map((li) => li.dataset.code)).toEqual(['not_found']);
  });

  it('fills every {trace_id} of the template', () => {
    const alert = renderErrors({ traceId: TRACE_ID, viewerUrl: 'https://ui.example/t/{trace_id}?q={trace_id}' });
    expect(within(alert).getByRole('link')).toHaveAttribute('href', `https://ui.example/t/${TRACE_ID}?q=${TRACE_ID}`);
  });

  it.each([null, ''])('shows the trace id as text to copy without a viewer (%o)', (viewerUrl) => {
    const alert = renderErrors({ traceId: TRACE_ID, viewerUrl });
    expect(within(alert).getByText(TRACE_ID)).toBeInTheDocument();
    expect(within(alert).queryByRole('link')).not.toBeInTheDocument();
  });

  it('shows no trace line when the answer had no trace id', () => {
    const alert = renderErrors({ viewerUrl: LOCAL_TRACE_VIEWER_URL });
    expect(alert).not.toHaveTextContent(/trace/i);
    expect(within(alert).queryByRole('link')).not.toBeInTheDocument();
  });

  it.each([
    TRACE_ID.toUpperCase(),
    TRACE_ID.slice(1),
    `${TRACE_ID}0`,
    `${TRACE_ID}"><img src=x onerror=alert(1)>`,
    `../../${TRACE_ID}`,
    'javascript:alert(1)',
    42,
    { toString: () => TRACE_ID },
  ])('ignores a malformed trace id (%s)', (traceId) => {
    const alert = renderErrors({ traceId, viewerUrl: LOCAL_TRACE_VIEWER_URL });
    expect(alert).not.toHaveTextContent(/trace/i);
    expect(within(alert).queryByRole('link')).not.toBeInTheDocument();
    expect(alert.querySelector('.trace-id')).toBeNull();
  });

  it("shows a failed request's codes and trace id from its error", () => {
    render(<ErrorList error={new ApiError(500, ['internal_error'], TRACE_ID)} viewerUrl={LOCAL_TRACE_VIEWER_URL} />);
    const alert = screen.getByRole('alert');
    expect(within(alert).getByRole('listitem')).toHaveAttribute('data-code', 'internal_error');
    expect(within(alert).getByRole('link', { name: TRACE_ID })).toBeInTheDocument();
  });

  it('shows nothing without an error or codes', () => {
    const { container } = render(<ErrorList error={null} errors={[]} />);
    expect(container).toBeEmptyDOMElement();
  });
});
