import { WebTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-web';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The browser's resource: service.version and deployment.environment.name when the
// configuration has them. Fetch spans carry the stable HTTP names
// (http.request.method, url.full, http.response.status_code, server.address,
// server.port): @opentelemetry/instrumentation-fetch 0.223.0 emits only those
// and has no semconvStabilityOptIn option left to set.
export function resourceAttributes(config) {
  const attributes = { 'service.name': config.serviceName };
  if (config.serviceVersion) attributes['service.version'] = config.serviceVersion;
  if (config.deploymentEnvironment) attributes['deployment.environment.name'] = config.deploymentEnvironment;
  return attributes;
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
    resource: resourceFromAttributes(resourceAttributes(config)),
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
