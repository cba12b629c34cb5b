// Load generator and echo server for benchmarks/udp/udp_bench.py (UDP proxies side by side).
//   udpload echo PORT
//       answers every datagram on 127.0.0.1:PORT with the same bytes, 64 at a time (recvmmsg/sendmmsg).
//   udpload client PORT SECONDS SOCKETS WINDOW
//       SOCKETS client sockets (each its own source port: a session each), each keeping exactly WINDOW datagrams of
//       64 bytes in flight to 127.0.0.1:PORT. A datagram carries its window slot, a sequence number and its send
//       time, so each reply gives a latency and is matched to the datagram it answers. After 0.5 s of warm-up,
//       counts replies for SECONDS and prints: datagrams/s, p50 us, p99 us, lost, late. A datagram unanswered for
//       200 ms counts as lost and its slot sends a new one; a reply that comes after that is counted late and
//       sends nothing, so losses never grow the number in flight.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PAYLOAD 64
#define MAX_US 200000
#define LOST_AFTER_MS 200

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int echo(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int size = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 1; }
    static char bufs[BATCH][2048];
    static struct sockaddr_in names[BATCH];
    static struct iovec iov[BATCH];
    static struct mmsghdr msgs[BATCH];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = bufs[i]; iov[i].iov_len = sizeof bufs[i];
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_name = &names[i]; msgs[i].msg_hdr.msg_namelen = sizeof names[i];
            msgs[i].msg_hdr.msg_iov = &iov[i]; msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue;
        for (int i = 0; i < n; i++) iov[i].iov_len = msgs[i].msg_len;
        sendmmsg(fd, msgs, n, 0);
    }
}

// One datagram in flight: which slot of its socket's window it fills, its sequence number and its send time. A
// reply is matched to its slot by (slot, sequence); one whose slot has since moved on (it was counted lost and the
// slot sent a new datagram) is late and only counted, so each socket has exactly WINDOW datagrams in flight.
struct probe {
    uint32_t slot;
    uint32_t seq;
    uint64_t sent_ns;
};

struct slot {
    uint32_t seq;
    uint64_t sent_ns;
};

static void send_slot(int fd, struct slot *sl, uint32_t index, char *msg) {
    sl->seq++;
    sl->sent_ns = now_ns();
    struct probe p = {.slot = index, .seq = sl->seq, .sent_ns = sl->sent_ns};
    memcpy(msg, &p, sizeof p);
    send(fd, msg, PAYLOAD, 0);
}

static int client(int port, double seconds, int sockets, int window) {
    int ep = epoll_create1(0);
    int *fds = calloc((size_t)sockets, sizeof(int));
    struct slot *slots = calloc((size_t)sockets * (size_t)window, sizeof(struct slot));
    uint32_t *hist = calloc(MAX_US + 1, sizeof(uint32_t));
    if (ep < 0 || !fds || !slots || !hist) { perror("setup"); return 1; }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    char msg[PAYLOAD] = {0};
    for (int s = 0; s < sockets; s++) {
        fds[s] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (fds[s] < 0 || connect(fds[s], (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)s};
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[s], &ev);
        for (int w = 0; w < window; w++) send_slot(fds[s], &slots[(size_t)s * window + w], (uint32_t)w, msg);
    }
    uint64_t start = now_ns(), measure_from = start + 500000000ull;
    uint64_t end = measure_from + (uint64_t)(seconds * 1e9);
    uint64_t timeout = (uint64_t)LOST_AFTER_MS * 1000000ull;
    uint64_t count = 0, lost = 0, late = 0, next_sweep = start + timeout / 4;
    struct epoll_event evs[256];
    char buf[2048];
    for (;;) {
        uint64_t now = now_ns();
        if (now >= end) break;
        int n = epoll_wait(ep, evs, 256, 10);
        for (int i = 0; i < n; i++) {
            int s = (int)evs[i].data.u32;
            for (;;) {
                ssize_t r = recv(fds[s], buf, sizeof buf, 0);
                if (r < 0) break;
                struct probe p;
                if (r < (ssize_t)sizeof p) continue;
                memcpy(&p, buf, sizeof p);
                if (p.slot >= (uint32_t)window) continue;
                struct slot *sl = &slots[(size_t)s * window + p.slot];
                uint64_t t = now_ns();
                if (p.seq != sl->seq) {
                    // The reply to a datagram already counted lost and replaced: not in flight any more.
                    if (t >= measure_from && t < end) late++;
                    continue;
                }
                if (t >= measure_from && t < end) {
                    uint64_t us = (t - p.sent_ns) / 1000;
                    hist[us > MAX_US ? MAX_US : us]++;
                    count++;
                }
                send_slot(fds[s], sl, p.slot, msg);
            }
        }
        now = now_ns();
        if (now >= next_sweep) {
            for (size_t k = 0; k < (size_t)sockets * (size_t)window; k++) {
                if (now - slots[k].sent_ns >= timeout) {
                    if (now >= measure_from && now < end) lost++;
                    send_slot(fds[k / (size_t)window], &slots[k], (uint32_t)(k % (size_t)window), msg);
                }
            }
            next_sweep = now + timeout / 4;
        }
    }
    uint64_t seen = 0, p50 = 0, p99 = 0;
    int have50 = 0, have99 = 0;
    for (int us = 0; us <= MAX_US && count > 0; us++) {
        seen += hist[us];
        if (!have50 && seen * 100 >= count * 50) { p50 = (uint64_t)us; have50 = 1; }
        if (!have99 && seen * 100 >= count * 99) { p99 = (uint64_t)us; have99 = 1; }
    }
    printf("%.0f %llu %llu %llu %llu\n", count / seconds, (unsigned long long)p50, (unsigned long long)p99,
           (unsigned long long)lost, (unsigned long long)late);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "echo") == 0) return echo(atoi(argv[2]));
    if (argc == 6 && strcmp(argv[1], "client") == 0) return client(atoi(argv[2]), atof(argv[3]), atoi(argv[4]), atoi(argv[5]));
    fprintf(stderr, "usage: udpload echo PORT | udpload client PORT SECONDS SOCKETS WINDOW\n");
    return 2;
}
