"""Linli settings: one module, every value from the environment.

Web processes keep no state of their own: sessions live in the database (read through Redis
when REDIS_URL is set), the cache in the database (or Redis), the task queue in SQLite (or
Redis), uploaded files in the configured storage. Several app servers can therefore share one
PostgreSQL.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

TESTING = "pytest" in sys.modules or env.bool("LINLI_TESTING", default=False)
PRODUCTION = env.str("LINLI_ENV", default="development") == "production"

DATA_DIR = Path(env.str("LINLI_DATA_DIR", default=str(BASE_DIR.parent / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=not PRODUCTION and not TESTING)
# bench/pages.py only: routes an empty page as the baseline every page is measured against.
LINLI_BENCH = env.bool("LINLI_BENCH", default=False) and not PRODUCTION
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="" if PRODUCTION else "dev-only-insecure-key-change-me-linli-0123456789abcdefghij",
)
if PRODUCTION and len(SECRET_KEY) < 50:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set (50+ random characters) in production.")
# Keyed hash and encryption of personal data (ID numbers); separate from SECRET_KEY so the
# session key can rotate without losing lookups.
FIELD_HASH_KEY = env.str("FIELD_HASH_KEY", default=SECRET_KEY)
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default=SECRET_KEY)

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the bundled Swagger UI instead of a CDN copy
    "django_htmx",
    "axes",
    "simple_history",
    "huey.contrib.djhuey",
    "linli.common",
    "linli.accounts",
    "linli.registry",
    "linli.ledger",
    "linli.points",
    "linli.store",
    "linli.activities",
    "linli.notifications",
    "linli.volunteers",
    "linli.orders",
    "linli.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "linli.common.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "linli.common.middleware.RequestHygieneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "linli.common.middleware.PrivateNoStoreMiddleware",
    "linli.accounts.middleware.StaffIdleTimeoutMiddleware",
    "linli.accounts.middleware.ScopeCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.accounts.context_processors.navigation",
                "linli.notifications.context_processors.unread",
            ],
        },
    }
]
# Every form field renders through templates/includes/field.html (label, required marker,
# help and errors tied to the input by aria-describedby).
FORM_RENDERER = "linli.common.forms.FormRenderer"

# --- Database ---------------------------------------------------------------------------
SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy
    # timeout instead of failing with "database is locked" when a reader upgrades.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'linli.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # Tests run on a file (never in memory) so that threads really share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_linli.sqlite3")}
# Persistent connections on both databases: a request reuses its thread's connection (on
# SQLite the PRAGMAs of init_command then run once per connection, not once per request);
# the health check replaces a connection the server dropped. Tests open one per test.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if TESTING else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, task queue --------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "linli_cache",
        }
    }
# Sessions live in the database. With Redis (shared by every worker and app server) they are
# read through it (`cached_db`: a request reads Redis, writes go to both). Without Redis they
# stay plain database sessions: a per-process memory cache would let a session signed out in
# one worker live on in another. Tests keep database sessions (Redis is shared by processes).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL and not TESTING
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14  # residents stay signed in on their own phone
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60  # GB/T 22239: staff sessions end after 30 idle minutes
# The idle expiry is pushed forward at most this often, so most staff requests write nothing.
STAFF_IDLE_REFRESH_SECONDS = env.int("STAFF_IDLE_REFRESH_SECONDS", default=60)

if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "linli", "url": REDIS_URL}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "linli",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
    }
HUEY["immediate"] = env.bool("HUEY_IMMEDIATE", default=TESTING)
HUEY["consumer"] = {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"}

# --- Auth and security ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("mobile", "name")}},
    {"NAME": "linli.accounts.passwords.RoleAwareMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing cost is not under test; thousands of test logins would take minutes otherwise.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout (linli/accounts/lockout.py): an account after 5 wrong passwords; a client address
# only after 50 failures across accounts (families share one phone, offices one address).
AXES_HANDLER = "linli.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = 5
LOGIN_NETWORK_FAILURE_LIMIT = env.int("LOGIN_NETWORK_FAILURE_LIMIT", default=50)
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Both are locked on, with different limits: LockoutHandler counts each itself.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Tries during a lock are refused without being counted, so the lock lifts when it says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "linli.accounts.views.lockout"
AXES_USERNAME_FORM_FIELD = "username"
# Reverse proxies in front of Linli (each appends to X-Forwarded-For); 0 = clients connect
# directly and the header is ignored. One helper reads the client address for everything.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "linli.common.audit.client_ip"
NINJA_NUM_PROXIES = PROXY_COUNT

CSRF_FAILURE_VIEW = "linli.common.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Time bank ----------------------------------------------------------------------------
LEDGER_TIME_STORAGE_CAP_MINUTES = env.int("LEDGER_TIME_STORAGE_CAP_MINUTES", default=1500 * 60)
LEDGER_TIME_GIFT_YEARLY_CAP_MINUTES = env.int("LEDGER_TIME_GIFT_YEARLY_CAP_MINUTES",
                                              default=100 * 60)

# --- Service orders ---------------------------------------------------------------------
ORDER_ACCEPT_MINUTES = env.int("ORDER_ACCEPT_MINUTES", default=120)
ORDER_DISPATCH_ESCALATE_MINUTES = env.int("ORDER_DISPATCH_ESCALATE_MINUTES", default=60)
ORDER_AUTO_CONFIRM_DAYS = env.int("ORDER_AUTO_CONFIRM_DAYS", default=3)
# Service honesty: check-in opens shortly before the booked slot and closes after it ends; a
# check-in further than the distance from the household's building is flagged for staff; the
# stated service minutes lie between a minimum and the time since check-in (capped).
ORDERS_CHECKIN_OPENS_MINUTES = env.int("ORDERS_CHECKIN_OPENS_MINUTES", default=30)
ORDERS_CHECKIN_CLOSES_MINUTES = env.int("ORDERS_CHECKIN_CLOSES_MINUTES", default=60)
ORDERS_CHECKIN_MAX_DISTANCE_M = env.int("ORDERS_CHECKIN_MAX_DISTANCE_M", default=500)
ORDERS_MIN_SERVICE_MINUTES = env.int("ORDERS_MIN_SERVICE_MINUTES", default=5)
ORDERS_MAX_SERVICE_MINUTES = env.int("ORDERS_MAX_SERVICE_MINUTES", default=480)

# --- Civic points and the points store --------------------------------------------------
#: Self-reported claims one household may send in 24 hours.
POINTS_CLAIMS_PER_DAY = env.int("POINTS_CLAIMS_PER_DAY", default=10)
#: Exchanges one household may make in 24 hours.
STORE_REDEMPTIONS_PER_DAY = env.int("STORE_REDEMPTIONS_PER_DAY", default=5)
#: Days a household has to collect an exchange before it expires and is refunded.
STORE_PICKUP_DAYS = env.int("STORE_PICKUP_DAYS", default=7)
#: Wrong pickup codes one clerk may enter in 15 minutes before the counter pauses lookups.
STORE_COUNTER_MISSES = env.int("STORE_COUNTER_MISSES", default=10)

AUDIT_RETENTION_DAYS = max(env.int("AUDIT_RETENTION_DAYS", default=180), 180)

# --- Notifications -----------------------------------------------------------------------
# Outside channels besides the in-app inbox; each a dotted path to a `Channel` class. The
# default only logs, so nothing leaves the intranet until a real gateway is configured.
NOTIFY_CHANNELS = env.dict("NOTIFY_CHANNELS", default={
    "sms": "linli.notifications.channels.LoggingChannel",
    "wechat": "linli.notifications.channels.LoggingChannel",
})

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
NODE_MODULES_DIR = BASE_DIR.parent / "node_modules"
#: npm files served as static files (only these, never the whole node_modules): static path ->
#: path inside node_modules. `npm ci` (run.sh, test.sh) installs them from package-lock.json.
NPM_STATIC_FILES = {"vendor/jsqr/jsQR.js": "jsqr/dist/jsQR.js"}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "linli.store.finders.NpmFileFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env.str("FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING or DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Resident spreadsheet imports: the upload, its unpacked size and its rows are capped before
# any parsing (a small .xlsx can claim millions of rows); the limits are stated on the form.
REGISTRY_IMPORT_MAX_BYTES = env.int("REGISTRY_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
REGISTRY_IMPORT_MAX_UNPACKED_BYTES = env.int("REGISTRY_IMPORT_MAX_UNPACKED_BYTES",
                                             default=256 * 1024 * 1024)
REGISTRY_IMPORT_MAX_ROWS = env.int("REGISTRY_IMPORT_MAX_ROWS", default=200_000)
# Reveals of a resident's full ID number or mobile, per user and window (issue 12).
REGISTRY_REVEAL_LIMIT = env.int("REGISTRY_REVEAL_LIMIT", default=10)
REGISTRY_REVEAL_WINDOW_SECONDS = env.int("REGISTRY_REVEAL_WINDOW_SECONDS", default=600)

# --- API --------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_MAX_LIMIT = 100
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
# Requests per period ("60/min"; empty = off): anonymous per client address, signed-in per
# account, token (password) exchanges per address. Off under tests (the suite and the API
# fuzzer make thousands of requests from one address); the throttle tests set low rates.
API_THROTTLE_RATES = {
    "anon": env.str("API_THROTTLE_ANON", default="" if TESTING else "60/min"),
    "user": env.str("API_THROTTLE_USER", default="" if TESTING else "600/min"),
    "token": env.str("API_THROTTLE_TOKEN", default="" if TESTING else "10/min"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
