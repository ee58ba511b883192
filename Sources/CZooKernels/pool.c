// A fork-join thread pool for the engine's parallel regions: helpers spin briefly between regions,
// then sleep, so back-to-back regions start without waking a sleeping (virtual) CPU each time.
#include "CZooKernels.h"

#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define MAX_HELPERS 63

/// How long a helper keeps polling for the next region before it sleeps, and how long the caller
/// polls for the helpers to finish before it yields between polls.
#define SPIN_NS 200000
#define WAIT_SPIN_NS 50000

static struct {
    pthread_mutex_t start_lock;           // held by the caller of a region (one region at a time)
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    int helpers;
    _Atomic int sleepers;
    _Atomic uint32_t generation;          // bumped once per region, after its task is written
    _Atomic uint64_t next;                // (generation << 32) | the next share to hand out
    _Atomic int done;                     // shares finished in the current region
    int shares;
    zoo_pool_task task;
    void *context;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/// Runs shares of region `gen` until none is left; a share is taken by moving `next` from
/// (gen, i) to (gen, i + 1), so a thread that arrives after the region ended takes nothing.
static void run_shares(uint32_t gen, int shares, zoo_pool_task task, void *context) {
    for (;;) {
        uint64_t v = atomic_load_explicit(&pool.next, memory_order_acquire);
        if ((uint32_t)(v >> 32) != gen || (int)(uint32_t)v >= shares) return;
        if (!atomic_compare_exchange_weak_explicit(&pool.next, &v, v + 1, memory_order_acq_rel, memory_order_acquire))
            continue;
        task(context, (int)(uint32_t)v);
        atomic_fetch_add_explicit(&pool.done, 1, memory_order_release);
    }
}

static void *helper_main(void *unused) {
    (void)unused;
    uint32_t seen = atomic_load_explicit(&pool.generation, memory_order_acquire);
    for (;;) {
        uint32_t gen = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (gen == seen) {
            const uint64_t until = now_ns() + SPIN_NS;
            while ((gen = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen && now_ns() < until)
                for (int i = 0; i < 32; i++) _mm_pause();
        }
        if (gen == seen) {
            // sleepers and generation are sequentially consistent on both sides, so either the
            // caller sees this sleeper and signals, or this helper sees the new generation.
            pthread_mutex_lock(&pool.sleep_lock);
            atomic_fetch_add(&pool.sleepers, 1);
            while ((gen = atomic_load(&pool.generation)) == seen)
                pthread_cond_wait(&pool.wake, &pool.sleep_lock);
            atomic_fetch_sub(&pool.sleepers, 1);
            pthread_mutex_unlock(&pool.sleep_lock);
        }
        seen = gen;
        // The task fields were written before `generation`; if a later region has begun since, the
        // share counter carries its generation and run_shares takes nothing.
        run_shares(gen, pool.shares, pool.task, pool.context);
    }
    return NULL;
}

/// In a forked child only the forking thread exists: start with no helpers and fresh locks.
static void reset_in_child(void) {
    pthread_mutex_init(&pool.start_lock, NULL);
    pthread_mutex_init(&pool.sleep_lock, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pool.helpers = 0;
    atomic_store(&pool.sleepers, 0);
}

static pthread_once_t fork_handler_once = PTHREAD_ONCE_INIT;
static void install_fork_handler(void) { pthread_atfork(NULL, NULL, reset_in_child); }

int zoo_pool_run(int threads, int shares, zoo_pool_task task, void *context) {
    pthread_once(&fork_handler_once, install_fork_handler);
    if (pthread_mutex_trylock(&pool.start_lock) != 0) return 0;  // another region is running
    const int want = threads - 1 < MAX_HELPERS ? threads - 1 : MAX_HELPERS;
    while (pool.helpers < want) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&t, &attr, helper_main, NULL);
        pthread_attr_destroy(&attr);
        if (failed) break;
        pool.helpers++;
    }
    if (pool.helpers == 0) {
        pthread_mutex_unlock(&pool.start_lock);
        return 0;
    }
    const uint32_t gen = atomic_load_explicit(&pool.generation, memory_order_relaxed) + 1;
    pool.shares = shares;
    pool.task = task;
    pool.context = context;
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.next, (uint64_t)gen << 32, memory_order_release);
    atomic_store(&pool.generation, gen);
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }
    run_shares(gen, shares, task, context);
    // Wait for shares the helpers took: poll, then yield the core between polls.
    const uint64_t until = now_ns() + WAIT_SPIN_NS;
    while (atomic_load_explicit(&pool.done, memory_order_acquire) < shares) {
        if (now_ns() < until) for (int i = 0; i < 32; i++) _mm_pause();
        else sched_yield();
    }
    pthread_mutex_unlock(&pool.start_lock);
    return 1;
}
