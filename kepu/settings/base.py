"""Settings shared by every environment.

Everything that differs between a laptop and a hospital's servers comes from
environment variables; the defaults need no server at all (SQLite, Wagtail's
database search, a SQLite-backed Celery broker, media in a local folder).
"""

import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .environment import env_bool, env_int, env_list, env_str, public_media_origins

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(env_str("KEPU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-secret-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The studio's own apps, one per domain.
    "cms.core",
    "cms.illustrations",
    "cms.doctors",
    "cms.encyclopedia",
    "cms.articles",
    "cms.search",
    "cms.moderation",
    "media_pipeline",
    "distribution.patients",
    "distribution.campaigns",
    "distribution.feeds",
    "distribution.sharing",
    "distribution.joining",
    "kepu.demo",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    # Security: login throttling and optional two-step verification (TOTP).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kepu.middleware.StudioCSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cms.core.two_factor.RequireTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "kepu.middleware.DatabaseBusyMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: refuses a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one account, or from one
# address, logins from there are refused for AXES_COOLOFF_TIME hours; a successful login resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = float(env_str("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account and per address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account_locked.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
# Behind the proxy the address comes from X-Forwarded-For (set AXES_IPWARE_PROXY_COUNT to the number of proxies).
AXES_IPWARE_PROXY_COUNT = env_int("AXES_IPWARE_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Two-step verification (TOTP, django-otp): every admin user may turn it on in their account; members of
# these groups ("superusers" for superusers) must, and are sent to the set-up page until they have.
KEPU_TWO_FACTOR_REQUIRED_FOR = env_list("KEPU_TWO_FACTOR_REQUIRED_FOR", [])
OTP_TOTP_ISSUER = "科普工作室 Kepu Studio"
WAGTAILADMIN_USER_LOGIN_FORM = "cms.core.two_factor.StudioLoginForm"

# Content-Security-Policy (django-csp). Public pages load nothing from elsewhere and run no inline code;
# the admin's widgets write small inline scripts and styles, so /admin/ gets its own, looser policy
# (kepu.middleware.StudioCSPMiddleware). Media from object storage are allowed by their host.
_MEDIA_HOSTS = []
if env_str("AWS_STORAGE_BUCKET_NAME"):
    _MEDIA_HOSTS = public_media_origins(
        bucket=env_str("AWS_STORAGE_BUCKET_NAME"),
        endpoint_url=env_str("AWS_S3_ENDPOINT_URL"),
        region=env_str("AWS_S3_REGION_NAME"),
        custom_domain=env_str("AWS_S3_CUSTOM_DOMAIN"),
        addressing_style=env_str("AWS_S3_ADDRESSING_STYLE"),
    )
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_MEDIA_HOSTS],
        "media-src": ["'self'", *_MEDIA_HOSTS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
KEPU_ADMIN_PATH_PREFIXES = ("/admin/",)
KEPU_ADMIN_CONTENT_SECURITY_POLICY = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", *_MEDIA_HOSTS],
    "media-src": ["'self'", "blob:", *_MEDIA_HOSTS],
    "frame-src": ["'self'"],  # page previews
    "frame-ancestors": ["'self'"],
    "worker-src": ["'self'", "blob:"],
}
# Permissions-Policy (django-permissions-policy): the studio uses none of these browser features but the
# microphone, on its own pages only (a doctor records their narration in the admin).
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": ["self"],
    "payment": [],
    "usb": [],
    "browsing-topics": [],
    "fullscreen": ["self"],
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"

ROOT_URLCONF = "kepu.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "kepu.wsgi.application"

# Database: SQLite in var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kepu.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the Celery worker writes; IMMEDIATE transactions take the
    # write lock up front, so two writers wait for each other (busy timeout) instead of deadlocking
    # on a lock upgrade ("database is locked").
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# The studio's own catalogue, then the Wagtail admin texts Wagtail's zh-Hans catalogue leaves in English.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "wagtail_supplement"]

# Static and media files.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if env_str("AWS_STORAGE_BUCKET_NAME"):
    # S3-compatible object storage (AWS, MinIO, Aliyun OSS, Tencent COS): renditions and media renders get
    # permanent public URLs, everything else stays private (kepu.media_storage).
    STORAGES["default"] = {
        "BACKEND": "kepu.media_storage.PublicMediaStorage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,  # "virtual" for Aliyun OSS
            "request_checksum_calculation": env_str("AWS_REQUEST_CHECKSUM_CALCULATION") or None,
            "response_checksum_validation": env_str("AWS_RESPONSE_CHECKSUM_VALIDATION") or None,
            "public_acl": env_str("AWS_PUBLIC_MEDIA_ACL") or None,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 3600),  # private files' signed URLs
            "default_acl": None,
            "file_overwrite": False,
        },
    }

# E-mail: console in development, SMTP when EMAIL_HOST is set.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kepu Studio <noreply@kepu.local>")

# Wagtail
WAGTAIL_SITE_NAME = "科普工作室 Kepu Studio"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "illustrations.Illustration"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env_int("ILLUSTRATION_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
WAGTAILIMAGES_MAX_IMAGE_PIXELS = env_int("ILLUSTRATION_MAX_PIXELS", 40_000_000)
# SVG is left out on purpose: it can carry scripts and is served from our own domain.
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.illustrations.forms.IllustrationForm"
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"avif": "avif", "webp": "webp"}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# No Gravatar: avatars would load from a third party (and it is blocked in mainland China).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_COMMENTS_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
WAGTAILAPI_SEARCH_ENABLED = True
WAGTAILAPI_LIMIT_MAX = 100

# Search: Wagtail's database backend with Chinese word segmentation by default,
# Elasticsearch (CJK analyzers) when ELASTICSEARCH_URL is set. Wagtail names each index
# INDEX_PREFIX + app_model (kepu_wagtailcore_page…), so deployments sharing a cluster set their own
# ELASTICSEARCH_INDEX. Elasticsearch 8 answers TLS with its own CA by default: give its file
# (ELASTICSEARCH_CA_CERTS, http_ca.crt) or its fingerprint, and an API key or user and password.
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
if ELASTICSEARCH_URL:
    _index = env_str("ELASTICSEARCH_INDEX", "kepu")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_\-.]*", _index):
        raise ImproperlyConfigured("ELASTICSEARCH_INDEX must be lower-case letters, digits, '_', '-' or '.'")
    _es_options = {"verify_certs": env_bool("ELASTICSEARCH_VERIFY_CERTS", True)}
    if env_str("ELASTICSEARCH_CA_CERTS"):
        _es_options["ca_certs"] = env_str("ELASTICSEARCH_CA_CERTS")
    if env_str("ELASTICSEARCH_SSL_FINGERPRINT"):
        _es_options["ssl_assert_fingerprint"] = env_str("ELASTICSEARCH_SSL_FINGERPRINT")
    if env_str("ELASTICSEARCH_API_KEY"):
        _es_options["api_key"] = env_str("ELASTICSEARCH_API_KEY")
    elif env_str("ELASTICSEARCH_USERNAME"):
        _es_options["basic_auth"] = (env_str("ELASTICSEARCH_USERNAME"), env_str("ELASTICSEARCH_PASSWORD"))
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "cms.search.backends.elasticsearch",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX_PREFIX": _index if _index.endswith(("_", "-")) else f"{_index}_",
            "TIMEOUT": env_int("ELASTICSEARCH_TIMEOUT_S", 10),
            "OPTIONS": _es_options,
            "AUTO_UPDATE": True,
        }
    }
else:
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search.backends.database", "AUTO_UPDATE": True}}

# Cache, shared by every process (the per-link beacon caps, the reading-page cache, renditions): Redis when
# REDIS_URL is set (atomic counters; production), else files in var/cache, shared by the processes of one machine.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
    if env_str("REDIS_URL")
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}

# Celery: a SQLite-file broker needs no server; Redis or RabbitMQ in production.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# One queue for everything by default; a separate name keeps a test run's or a staging set-up's tasks apart.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# With the broker down, queuing must fail fast (a web request is waiting) and leave the task in the
# outbox (cms.core.outbox): two quick connection attempts, not kombu's default of retrying for seconds.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A message a worker took but never acknowledged (the worker was killed) goes back to the queue after
# this many seconds on Redis (kombu's default is one hour). It must be shorter than the delivery lease
# (KEPU_DISTRIBUTION["sending_lease_s"], 900 s) so a campaign resumes before its claimed rows time out,
# and longer than any one task runs (fan-out tasks stop after a third of it and hand over).
KEPU_BROKER_VISIBILITY_TIMEOUT_S = env_int("KEPU_BROKER_VISIBILITY_TIMEOUT_S", 300)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
    "visibility_timeout": KEPU_BROKER_VISIBILITY_TIMEOUT_S,
    # kombu looks for such messages every 10 s but scans only every 10th look (about every 100 s), and a
    # worker killed while scanning holds the scan lock for 5 minutes: scan on every look, at most every
    # 10 s (sooner with a short timeout), and let a dead worker's lock lapse after 30 s. One small
    # sorted-set query per look.
    "unacked_restore_interval": max(1, min(10, KEPU_BROKER_VISIBILITY_TIMEOUT_S // 3)),
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": 30,
}
if CELERY_BROKER_URL.startswith("sqla+"):
    # kombu's SQLAlchemy transport hands its options to create_engine(), which refuses these; the embedded
    # broker lives on the same machine and has no visibility timeout to tune.
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_BEAT_SCHEDULE = {
    "core-flush-outbox": {"task": "cms.core.flush_outbox", "schedule": 60.0},
    "media-fail-stale-renders": {"task": "media_pipeline.fail_stale_renders", "schedule": 600.0},
    "feeds-partner-retries": {"task": "feeds.send_due_partner_deliveries", "schedule": 60.0},
    "publish-scheduled-pages": {"task": "cms.moderation.tasks.publish_scheduled_pages", "schedule": 60.0},
    "distribution-deliver-due": {"task": "distribution.campaigns.tasks.deliver_due_deliveries", "schedule": 60.0},
    "distribution-followups": {"task": "distribution.campaigns.tasks.dispatch_due_followups", "schedule": 300.0},
    "distribution-resume-stalled": {"task": "distribution.campaigns.tasks.resume_stalled_campaigns", "schedule": 120.0},
    "distribution-receipts": {"task": "distribution.campaigns.tasks.poll_delivery_receipts", "schedule": 60.0},
    # Beacon counts gathered in Redis -> the daily read counters (distribution.sharing.analytics).
    "sharing-flush-read-counts": {"task": "distribution.sharing.tasks.flush_read_counts", "schedule": 10.0},
}

# Outbound delivery (campaigns, follow-up plans, partner pushes, WebSub pings): channels, rate limits and the
# one retry policy ("max_attempts" 8, "backoff_base_s" 30, "backoff_max_s" 21600, "sending_lease_s" 900) are
# KEPU_DISTRIBUTION, left unset here so it is read from the KEPU_DISTRIBUTION_JSON environment variable
# (distribution/delivery/policy.py, distribution/campaigns/configuration.py).

# Feeds: a WebSub hub to announce and ping (empty: no hub).
KEPU_WEBSUB_HUB = env_str("KEPU_WEBSUB_HUB", "")

# Media pipeline: TTS engines in fallback order (edge-tts needs the internet; espeak-ng is offline).
KEPU_TTS_ENGINES = env_list("KEPU_TTS_ENGINES", ["espeak"])
# Tencent Cloud TTS (engine "tencent"): a CAM key allowed to call TextToVoice, the region, the default voice
# (音色 ID) and the endpoint (a host name, or an http(s):// URL for a proxy).
KEPU_TTS_ENGINE_OPTIONS = {
    "tencent": {
        "secret_id": env_str("KEPU_TENCENT_TTS_SECRET_ID", ""),
        "secret_key": env_str("KEPU_TENCENT_TTS_SECRET_KEY", ""),
        "region": env_str("KEPU_TENCENT_TTS_REGION", "ap-guangzhou"),
        "voice_type": env_str("KEPU_TENCENT_TTS_VOICE_TYPE", ""),
        "endpoint": env_str("KEPU_TENCENT_TTS_ENDPOINT", "tts.tencentcloudapi.com"),
    },
}
KEPU_MEDIA_RENDER_ON_PUBLISH = env_bool("KEPU_MEDIA_RENDER_ON_PUBLISH", True)

# Where the encyclopedia's source data lives (MedQuAD and ICD-10 CN).
KEPU_DATA_DIR = Path(env_str("KEPU_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))

# Encryption of patient contact addresses at rest (distribution/patients/encryption.py): Fernet keys,
# comma-separated, the first encrypting; unset in development and tests (derived from SECRET_KEY).
KEPU_FIELD_ENCRYPTION_KEYS = env_list("KEPU_FIELD_ENCRYPTION_KEY", [])

# Public base URL used in share links, QR codes, feeds and messages.
KEPU_PUBLIC_BASE_URL = env_str("KEPU_PUBLIC_BASE_URL", WAGTAILADMIN_BASE_URL)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "jieba": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
