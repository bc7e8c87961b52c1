"""The environment that turns every signal on, each pointed at its local receiver."""
from .gunicorn import backend_env

LOG_GROUP = "cruddur-test"
ROLLBAR_TOKEN = "rollbar-token-marker-0b5e"


def signals_env(database_url, receivers, **extra):
    """Every signal on, each pointed at its local receiver."""
    settings = dict(
        OTEL_SERVICE_NAME="backend-flask",
        OTEL_EXPORTER_OTLP_ENDPOINT=receivers["otlp"].url,
        OTEL_BSP_SCHEDULE_DELAY="200",
        AWS_XRAY_SDK_ENABLED="true",
        AWS_XRAY_DAEMON_ADDRESS=receivers["xray"].address,
        AWS_XRAY_URL="*127.0.0.1*",
        AWS_ENDPOINT_URL=receivers["moto"].url,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        CLOUDWATCH_LOG_GROUP=LOG_GROUP,
        ROLLBAR_ACCESS_TOKEN=ROLLBAR_TOKEN,
        ROLLBAR_ENDPOINT=receivers["rollbar"].url + "/api/1/",
        ROLLBAR_ENVIRONMENT="test",
        CRUDDUR_VERSION="test-build-1",
    )
    return backend_env(database_url, **{**settings, **extra})
