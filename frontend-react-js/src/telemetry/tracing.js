import { WebTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-web';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Spans are exported only when a collector URL is configured; the traceparent
// header is propagated to the backend either way, so backend traces still
// start from the browser's trace id.
export async function registerTracing(config) {
  const spanProcessors = [];
  if (config.otelTracesUrl) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: config.otelTracesUrl })));
  }

  // X-Ray accepts only trace ids that start with the epoch seconds; the backend
  // joins the browser's trace, so the browser must mint ids X-Ray can store.
  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors,
  });
  provider.register();

  const backendOrigin = config.backendUrl ? new URL(config.backendUrl).origin : window.location.origin;
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new FetchInstrumentation({
        propagateTraceHeaderCorsUrls: [new RegExp(`^${escapeRegExp(backendOrigin)}(/|$)`)],
        ignoreUrls: config.otelCollectorUrl ? [new RegExp(`^${escapeRegExp(config.otelCollectorUrl)}`)] : [],
        clearTimingResources: true,
      }),
    ],
  });
  return provider;
}
