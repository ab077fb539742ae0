/*
 * xlir's products on OpenBLAS, for the command line (src/cli/nativeProducts.ts). tfjs-backend-wasm keeps every
 * tensor in one wasm memory; this addon multiplies in place there, through a Float32Array over that memory, so no
 * tensor is copied. OpenBLAS is opened with dlopen when the addon loads: building needs only a C compiler and
 * Node's headers, not OpenBLAS's development files, and a machine without the library gets a clear error.
 *
 * Why native: wasm SIMD has 4 float lanes, and our wasm product kernel already runs at about 90 % of what that
 * allows on this project's machine (40-45 GFLOP/s a core); OpenBLAS uses the CPU's widest vectors (bench/RESULTS.md).
 */
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*get_text_fn)(void);

typedef struct {
  sgemm_fn sgemm;
  set_threads_fn set_threads;
  get_threads_fn get_threads;
  get_text_fn corename;
  get_text_fn config;
} OpenBlas;

static OpenBlas blas;

#define CHECK(call)                                                                                     \
  do {                                                                                                  \
    if ((call) != napi_ok) {                                                                            \
      napi_throw_error(env, NULL, "xlir openblas products: N-API call failed: " #call);                \
      return NULL;                                                                                      \
    }                                                                                                   \
  } while (0)

/* `value` as an integer in [min, max]; false after throwing a RangeError naming it */
static int int_arg(napi_env env, napi_value value, const char *name, int64_t min, int64_t max, int64_t *out) {
  double d;
  char message[160];
  /* the range first (NaN fails it): casting a double outside int64 to int64 is undefined */
  if (napi_get_value_double(env, value, &d) != napi_ok || !(d >= (double)min && d <= (double)max) || d != (double)(int64_t)d) {
    snprintf(message, sizeof message, "xlir openblas products: %s must be an integer in [%lld, %lld]", name, (long long)min, (long long)max);
    napi_throw_range_error(env, NULL, message);
    return 0;
  }
  *out = (int64_t)d;
  return 1;
}

static int bool_arg(napi_env env, napi_value value, const char *name, int *out) {
  bool b;
  char message[120];
  if (napi_get_value_bool(env, value, &b) != napi_ok) {
    snprintf(message, sizeof message, "xlir openblas products: %s must be a boolean", name);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  *out = b ? 1 : 0;
  return 1;
}

/* whether start + [0, x·y·z) lies inside a heap of `length` floats; throws a RangeError naming `what` if not */
static int inside(napi_env env, const char *what, int64_t start, int64_t x, int64_t y, int64_t z, int64_t length) {
  char message[200];
  int64_t xy, count, end;
  /* the sizes come from JS: a product of three 31-bit numbers can pass int64 */
  if (!__builtin_mul_overflow(x, y, &xy) && !__builtin_mul_overflow(xy, z, &count) && !__builtin_add_overflow(start, count, &end) && end <= length) return 1;
  snprintf(message, sizeof message, "xlir openblas products: %s (%lld × %lld × %lld floats from %lld) lies outside the heap of %lld floats", what, (long long)x, (long long)y,
           (long long)z, (long long)start, (long long)length);
  napi_throw_range_error(env, NULL, message);
  return 0;
}

/*
 * gemm(heap, m, n, k, transposeA, transposeB, batches, bShared, a, b, c, bias)
 * For each batch i: C_i = [bias +] op(A_i)·op(B_i), C_i [m, n] at c + i·m·n, A_i at a + i·m·k (stored [k, m]
 * when transposeA), B_i at b (+ i·k·n unless bShared; stored [n, k] when transposeB). Offsets count floats.
 * bias = -1 for none, else the offset of n floats added to every row: C starts as the bias and OpenBLAS adds
 * the product (beta = 1).
 */
static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 12) {
    napi_throw_type_error(env, NULL, "xlir openblas products: gemm takes 12 arguments");
    return NULL;
  }
  bool is_typed;
  napi_typedarray_type type;
  size_t length;
  void *data;
  CHECK(napi_is_typedarray(env, argv[0], &is_typed));
  if (!is_typed) {
    napi_throw_type_error(env, NULL, "xlir openblas products: heap must be a Float32Array");
    return NULL;
  }
  CHECK(napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL));
  if (type != napi_float32_array) {
    napi_throw_type_error(env, NULL, "xlir openblas products: heap must be a Float32Array");
    return NULL;
  }
  const int64_t DIM = INT32_MAX, OFFSET = (int64_t)1 << 52;
  int64_t m, n, k, batches, a, b, c, bias;
  int ta, tb, b_shared;
  if (!int_arg(env, argv[1], "m", 1, DIM, &m) || !int_arg(env, argv[2], "n", 1, DIM, &n) || !int_arg(env, argv[3], "k", 1, DIM, &k)) return NULL;
  if (!bool_arg(env, argv[4], "transposeA", &ta) || !bool_arg(env, argv[5], "transposeB", &tb)) return NULL;
  if (!int_arg(env, argv[6], "batches", 1, DIM, &batches) || !bool_arg(env, argv[7], "bShared", &b_shared)) return NULL;
  if (!int_arg(env, argv[8], "a", 0, OFFSET, &a) || !int_arg(env, argv[9], "b", 0, OFFSET, &b) || !int_arg(env, argv[10], "c", 0, OFFSET, &c) || !int_arg(env, argv[11], "bias", -1, OFFSET, &bias)) return NULL;
  const int64_t heap = (int64_t)length;
  if (!inside(env, "A", a, batches, m, k, heap) || !inside(env, "B", b, b_shared ? 1 : batches, k, n, heap) || !inside(env, "C", c, batches, m, n, heap)) return NULL;
  if (bias >= 0 && !inside(env, "the bias", bias, 1, 1, n, heap)) return NULL;
  float *f = (float *)data;
  for (int64_t i = 0; i < batches; i++) {
    float *ci = f + c + i * m * n;
    if (bias >= 0)
      for (int64_t row = 0; row < m; row++) memcpy(ci + row * n, f + bias, (size_t)n * sizeof(float));
    blas.sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, (int)m, (int)n, (int)k, 1.0f, f + a + i * m * k, ta ? (int)m : (int)k,
               f + b + (b_shared ? 0 : i * k * n), tb ? (int)k : (int)n, bias >= 0 ? 1.0f : 0.0f, ci, (int)n);
  }
  return NULL;
}

/* setThreads(n): the threads OpenBLAS splits each product among */
static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t threads;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !int_arg(env, argv[0], "threads", 1, 1024, &threads)) return NULL;
  blas.set_threads((int)threads);
  return NULL;
}

/* describe(): { threads, corename, config } of the loaded OpenBLAS */
static napi_value Describe(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, value;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_int32(env, blas.get_threads(), &value));
  CHECK(napi_set_named_property(env, out, "threads", value));
  CHECK(napi_create_string_utf8(env, blas.corename ? blas.corename() : "", NAPI_AUTO_LENGTH, &value));
  CHECK(napi_set_named_property(env, out, "corename", value));
  CHECK(napi_create_string_utf8(env, blas.config ? blas.config() : "", NAPI_AUTO_LENGTH, &value));
  CHECK(napi_set_named_property(env, out, "config", value));
  return out;
}

NAPI_MODULE_INIT() {
  char message[600];
  if (!blas.sgemm) {
    /* OpenBLAS's threads spin for 2^28 cycles after each product before they sleep, holding cores our wasm
       threads need between products; 2^4 makes them sleep at once (demo step, 2 threads: 482 -> 447 ms, and
       a quarter less CPU time). Read once, when the library starts; a value set by the user wins. */
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
    void *lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      snprintf(message, sizeof message, "OpenBLAS could not be opened (%s); on Debian: apt-get install libopenblas0-pthread", dlerror());
      napi_throw_error(env, NULL, message);
      return NULL;
    }
    OpenBlas found = {
      (sgemm_fn)dlsym(lib, "cblas_sgemm"), (set_threads_fn)dlsym(lib, "openblas_set_num_threads"), (get_threads_fn)dlsym(lib, "openblas_get_num_threads"),
      (get_text_fn)dlsym(lib, "openblas_get_corename"), (get_text_fn)dlsym(lib, "openblas_get_config"),
    };
    if (!found.sgemm || !found.set_threads || !found.get_threads) {
      napi_throw_error(env, NULL, "libopenblas.so.0 lacks cblas_sgemm, openblas_set_num_threads or openblas_get_num_threads");
      return NULL;
    }
    blas = found;
  }
  napi_value fn;
  CHECK(napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, Gemm, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "gemm", fn));
  CHECK(napi_create_function(env, "setThreads", NAPI_AUTO_LENGTH, SetThreads, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "setThreads", fn));
  CHECK(napi_create_function(env, "describe", NAPI_AUTO_LENGTH, Describe, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "describe", fn));
  return exports;
}
