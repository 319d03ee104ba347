/*
 * asan_options.c - linked only into the sanitizer build of pmdapipe
 * (make qa-asan): pmcd starts the PMDA, so reports go to files the QA
 * run inspects instead of the environment.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
    return "log_path=/var/tmp/pmdapipe-asan/asan:detect_leaks=1:print_suppressions=0";
}

const char *
__ubsan_default_options(void)
{
    return "log_path=/var/tmp/pmdapipe-asan/ubsan:print_stacktrace=1";
}

const char *__lsan_default_suppressions(void);

/* libpcp keeps some allocations for the life of the process */
const char *
__lsan_default_suppressions(void)
{
    return "leak:libpcp_pmda.so\nleak:libpcp.so\n";
}
