/*
 * Byte order at the boundaries (common/byteorder.h): each helper against
 * byte strings written out by hand, so a helper that read or wrote in the
 * host's order would fail on one of the two kinds of host (this suite runs on
 * s390x, big-endian, under scripts/cross-check). Also the MMIO data of a KVM
 * exit: an x86 guest's 4-byte store of 0x12345678 arrives as 78 56 34 12.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "byteorder.h"

static const uint8_t bytes[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

START_TEST(test_load_le)
{
	ck_assert_uint_eq(ld_le(bytes, 1), 0x01);
	ck_assert_uint_eq(ld_le16(bytes), 0x2301);
	ck_assert_uint_eq(ld_le32(bytes), 0x67452301);
	ck_assert_uint_eq(ld_le64(bytes), 0xefcdab8967452301ULL);
	ck_assert_uint_eq(ld_le(bytes + 1, 3), 0x674523);
	ck_assert_uint_eq(ld_le(bytes, 0), 0);
}
END_TEST

START_TEST(test_load_be)
{
	ck_assert_uint_eq(ld_be(bytes, 1), 0x01);
	ck_assert_uint_eq(ld_be16(bytes), 0x0123);
	ck_assert_uint_eq(ld_be32(bytes), 0x01234567);
	ck_assert_uint_eq(ld_be64(bytes), 0x0123456789abcdefULL);
	ck_assert_uint_eq(ld_be(bytes + 1, 3), 0x234567);
}
END_TEST

START_TEST(test_store)
{
	uint8_t b[10];
	static const uint8_t le64[8] = { 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 };
	static const uint8_t guard[2] = { 0x5a, 0x5a };

	memset(b, 0x5a, sizeof b);
	st_le64(b, 0x0123456789abcdefULL);
	ck_assert_mem_eq(b, le64, 8);
	ck_assert_mem_eq(b + 8, guard, 2);
	st_be64(b, 0x0123456789abcdefULL);
	ck_assert_mem_eq(b, bytes, 8);

	memset(b, 0x5a, sizeof b);
	st_le32(b, 0x67452301);
	ck_assert_mem_eq(b, bytes, 4);
	ck_assert_mem_eq(b + 4, guard, 2);
	st_be32(b, 0x01234567);
	ck_assert_mem_eq(b, bytes, 4);
	st_le16(b, 0x2301);
	ck_assert_mem_eq(b, bytes, 2);
	st_be16(b, 0x0123);
	ck_assert_mem_eq(b, bytes, 2);
	/* Only the low n bytes of the value are written. */
	memset(b, 0x5a, sizeof b);
	st_le(b, 0xffffff0123ULL, 2);
	ck_assert_uint_eq(b[0], 0x23);
	ck_assert_uint_eq(b[1], 0x01);
	ck_assert_mem_eq(b + 2, guard, 2);
	st_be(b, 0xffffff0123ULL, 2);
	ck_assert_uint_eq(b[0], 0x01);
	ck_assert_uint_eq(b[1], 0x23);
}
END_TEST

START_TEST(test_round_trip)
{
	uint8_t b[8];

	for (unsigned n = 1; n <= 8; n++) {
		uint64_t v = n == 8 ? 0x8877665544332211ULL :
		    0x8877665544332211ULL & ((1ULL << (8 * n)) - 1);

		st_le(b, v, n);
		ck_assert_uint_eq(ld_le(b, n), v);
		ck_assert_uint_eq(b[0], 0x11);
		st_be(b, v, n);
		ck_assert_uint_eq(ld_be(b, n), v);
		ck_assert_uint_eq(b[n - 1], 0x11);
	}
}
END_TEST

/*
 * api.rst, struct kvm_run: mmio.data holds the bytes of the access. An x86 or
 * arm64 guest's store of 0x12345678 (4 bytes) is 78 56 34 12 there, and the
 * value irqchipd is given is 0x12345678 on every host.
 */
START_TEST(test_mmio_exit_data)
{
	uint8_t data[8] = { 0x78, 0x56, 0x34, 0x12, 0xaa, 0xbb, 0xcc, 0xdd };
	uint8_t reply[8];

	ck_assert_uint_eq(ld_le(data, 4), 0x12345678);
	ck_assert_uint_eq(ld_le(data, 1), 0x78);
	/* A read's value back into the exit: the same bytes. */
	memset(reply, 0, sizeof reply);
	st_le(reply, 0x12345678, 4);
	ck_assert_mem_eq(reply, data, 4);
	/* A big-endian (POWER) guest's store of 0x12345678 is 12 34 56 78. */
	ck_assert_uint_eq(ld_be((const uint8_t[]){ 0x12, 0x34, 0x56, 0x78 }, 4),
	    0x12345678);
}
END_TEST

/*
 * The host's own order, for the log: the suite means most on the host whose
 * order differs from the little-endian guests', and says which one it ran on.
 */
START_TEST(test_host_order)
{
	const uint32_t probe = 0x01020304;
	uint8_t first;
	int big;

	memcpy(&first, &probe, 1);
	big = first == 0x01;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	ck_assert_int_eq(big, 1);
#elif defined(__BYTE_ORDER__)
	ck_assert_int_eq(big, 0);
#endif
	/* Host order and explicit order agree exactly where they should. */
	if (big)
		ck_assert_uint_eq(ld_be32(&probe), probe);
	else
		ck_assert_uint_eq(ld_le32(&probe), probe);
	printf("check_byteorder: this host is %s-endian\n", big ? "big" : "little");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("byteorder");
	TCase *tc = tcase_create("helpers");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_load_le);
	tcase_add_test(tc, test_load_be);
	tcase_add_test(tc, test_store);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_mmio_exit_data);
	tcase_add_test(tc, test_host_order);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
