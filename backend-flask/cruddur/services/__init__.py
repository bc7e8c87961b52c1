"""One module per use case. Each exposes `run(...)`, owns its transaction, and is wrapped by
`telemetry.service.service_call`, which names its span and subsegment after the module."""
