/*
 * Unit tests of the error module (util/error.c): creating errors of each
 * kind, prefixing context, the static out-of-memory error, and the cap on
 * recorded problems.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/error.h"

static void rh_error_create_formats_message(void **state)
{
	(void)state;
	struct rh_error *err = rh_error_create(RH_ERR_NOT_FOUND,
					       "no symbol %s in %s", "_PyRuntime",
					       "libpython3.11.so");
	assert_non_null(err);
	assert_ptr_not_equal(err, rh_enomem);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	assert_string_equal(err->message,
			    "no symbol _PyRuntime in libpython3.11.so");
	assert_int_equal(err->errnum, 0);
	assert_null(err->path);
	assert_int_equal(err->addr, 0);
	assert_null(err->where);
	rh_error_destroy(err);
}

static void rh_error_prefix_adds_context(void **state)
{
	(void)state;
	struct rh_error *err = rh_error_create(RH_ERR_FAULT, "inner");
	err = rh_error_prefix(err, "reading %s at 0x%x", "dict", 0x1000);
	assert_int_equal(err->code, RH_ERR_FAULT);
	assert_string_equal(err->message, "reading dict at 0x1000: inner");
	err = rh_error_prefix(err, "outer");
	assert_string_equal(err->message, "outer: reading dict at 0x1000: inner");
	rh_error_destroy(err);
	assert_null(rh_error_prefix(NULL, "nothing"));
}

static void rh_error_prefix_enomem_unchanged(void **state)
{
	(void)state;
	struct rh_error *err = rh_error_prefix(rh_enomem, "context");
	assert_ptr_equal(err, rh_enomem);
	assert_string_equal(rh_enomem->message, "out of memory");
}

static void rh_error_os_records_errno_and_path(void **state)
{
	(void)state;
	struct rh_error *err = rh_error_os(ENOENT, "/x/core",
					   "cannot open core file %s", "/x/core");
	assert_int_equal(err->code, RH_ERR_OS);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->path, "/x/core");
	assert_string_equal(err->message,
			    "cannot open core file /x/core: No such file or directory");
	rh_error_destroy(err);
	err = rh_error_os(EACCES, NULL, "no path");
	assert_null(err->path);
	assert_non_null(strstr(err->message, "Permission denied"));
	rh_error_destroy(err);
}

static void rh_error_fault_records_addr(void **state)
{
	(void)state;
	struct rh_error *err = rh_error_fault(0x7f0012345678,
					      "address 0x%x is bad", 7);
	assert_int_equal(err->code, RH_ERR_FAULT);
	assert_int_equal(err->addr, 0x7f0012345678);
	assert_string_equal(err->message, "address 0x7 is bad");
	rh_error_destroy(err);
}

static void rh_error_bad_data_records_where(void **state)
{
	(void)state;
	struct rh_error *err = RH_BAD_DATA(0x1234, "list loops after %d steps", 3);
	assert_int_equal(err->code, RH_ERR_BAD_DATA);
	assert_int_equal(err->addr, 0x1234);
	assert_non_null(err->where);
	assert_non_null(strstr(err->where, "test_error.c:"));
	assert_string_equal(err->message, "list loops after 3 steps");
	rh_error_destroy(err);
}

static void rh_error_destroy_enomem_noop(void **state)
{
	(void)state;
	rh_error_destroy(rh_enomem);
	rh_error_destroy(rh_enomem);
	rh_error_destroy(NULL);
	// Still intact and usable after "destroying" it.
	assert_int_equal(rh_enomem->code, RH_ERR_NO_MEMORY);
	assert_string_equal(rh_enomem->message, "out of memory");
}

static void rh_error_code_name_all(void **state)
{
	(void)state;
	assert_string_equal(rh_error_code_name(RH_ERR_NO_MEMORY), "no-memory");
	assert_string_equal(rh_error_code_name(RH_ERR_FAULT), "fault");
	assert_string_equal(rh_error_code_name(RH_ERR_BAD_DATA), "bad-data");
	assert_string_equal(rh_error_code_name(RH_ERR_TRUNCATED), "truncated");
	assert_string_equal(rh_error_code_name(RH_ERR_NOT_CORE), "not-core");
	assert_string_equal(rh_error_code_name(RH_ERR_LIMIT), "limit");
	for (int c = 0; c < RH_ERR_COUNT_; c++)
		assert_non_null(rh_error_code_name((enum rh_error_code)c));
	assert_string_equal(rh_error_code_name(RH_ERR_COUNT_), "unknown");
	assert_string_equal(rh_error_code_name((enum rh_error_code)-1),
			    "unknown");
}

static void rh_problems_add_keeps_messages(void **state)
{
	(void)state;
	struct rh_problems p;
	rh_problems_init(&p);
	assert_int_equal(rh_problems_total(&p), 0);
	rh_problems_add(&p, "first %d", 1);
	rh_problems_add_error(&p, rh_error_create(RH_ERR_FAULT, "cause"),
			      "walking %s", "gen 0");
	assert_int_equal(p.count, 2);
	assert_string_equal(p.messages[0], "first 1");
	assert_string_equal(p.messages[1], "walking gen 0: cause");
	// The static error can be recorded (and is not freed).
	rh_problems_add_error(&p, rh_enomem, "allocating");
	assert_string_equal(p.messages[2], "allocating: out of memory");
	rh_problems_add_error(&p, NULL, "nothing");
	assert_int_equal(p.count, 4);
	rh_problems_deinit(&p);
	assert_int_equal(rh_problems_total(&p), 0);
}

static void rh_problems_add_caps_count(void **state)
{
	(void)state;
	struct rh_problems p;
	rh_problems_init(&p);
	for (int i = 0; i < RH_PROBLEMS_MAX + 50; i++)
		rh_problems_add(&p, "problem %d", i);
	assert_int_equal(p.count, RH_PROBLEMS_MAX);
	assert_int_equal(p.dropped, 50);
	assert_int_equal(rh_problems_total(&p), RH_PROBLEMS_MAX + 50);
	assert_string_equal(p.messages[RH_PROBLEMS_MAX - 1], "problem 199");
	// Past the cap, errors are counted and still freed (LeakSanitizer).
	rh_problems_add_error(&p, rh_error_create(RH_ERR_FAULT, "x"), "y");
	assert_int_equal(p.dropped, 51);
	rh_problems_deinit(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_error_create_formats_message),
		cmocka_unit_test(rh_error_prefix_adds_context),
		cmocka_unit_test(rh_error_prefix_enomem_unchanged),
		cmocka_unit_test(rh_error_os_records_errno_and_path),
		cmocka_unit_test(rh_error_fault_records_addr),
		cmocka_unit_test(rh_error_bad_data_records_where),
		cmocka_unit_test(rh_error_destroy_enomem_noop),
		cmocka_unit_test(rh_error_code_name_all),
		cmocka_unit_test(rh_problems_add_keeps_messages),
		cmocka_unit_test(rh_problems_add_caps_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
