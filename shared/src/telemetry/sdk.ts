import type { Logger } from '../log/logger.ts';

/**
 * Starts the OpenTelemetry SDK for a service when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and does
 * nothing otherwise. Only entrypoints call this; all other code uses `@opentelemetry/api` alone, whose
 * calls are no-ops until an SDK is registered.
 */
export async function startTelemetry(serviceName: string, log: Logger): Promise<() => Promise<void>> {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return async () => {};
  const [{ NodeSDK }, { OTLPTraceExporter }, { resourceFromAttributes }, { ATTR_SERVICE_NAME }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    traceExporter: new OTLPTraceExporter(),
  });
  sdk.start();
  log.info({ endpoint }, 'telemetry: exporting OTLP traces');
  return async () => {
    await sdk.shutdown();
  };
}
