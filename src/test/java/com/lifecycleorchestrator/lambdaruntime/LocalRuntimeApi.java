package com.lifecycleorchestrator.lambdaruntime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lambda Runtime API on the loopback interface, as the Lambda service offers it to a runtime at
 * {@code AWS_LAMBDA_RUNTIME_API}: the runtime interface client asks for the next invocation
 * ({@code GET /2018-06-01/runtime/invocation/next}, held open until there is one), posts its
 * response or error, reports an init error, and, when initialised for SnapStart, asks to be
 * restored ({@code GET /2018-06-01/runtime/restore/next}) after its before-checkpoint hooks. It
 * also serves the function's credentials the way Lambda does for a SnapStart function, from a
 * container endpoint ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI}), since Lambda sets no key
 * variables there. It notes when each request arrived on {@link System#nanoTime()}, so a benchmark
 * can time the runtime from outside.
 */
public final class LocalRuntimeApi implements AutoCloseable {

  public static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:lifecycle-orchestrator:live";
  private static final String BASE = "/2018-06-01/runtime";
  private static final String CREDENTIALS_PATH = "/2021-04-23/credentials";
  private static final String ACCESS_KEY_ID = "ASIAEXAMPLECOLDSTART";
  private static final String SECRET_ACCESS_KEY = "test";
  private static final String SESSION_TOKEN = "test";
  private static final Pattern INVOCATION_ANSWER = Pattern.compile(BASE + "/invocation/([^/]+)/(response|error)");
  private static final Duration POLL = Duration.ofMillis(200);

  /** An invocation as the runtime handled it: when the event left and when the answer arrived. */
  public record Invocation(long servedNanos, long answeredNanos, boolean failed, String answer) {
    public Duration duration() {
      return Duration.ofNanos(answeredNanos - servedNanos);
    }
  }

  static {
    // As for the AWS stand-in: without it, each answer's body waits for the client's delayed ACK.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private record Pending(String requestId, byte[] event, Duration timeout, CompletableFuture<Invocation> answer) {}

  private final HttpServer server;
  private final ExecutorService workers;
  private final String authorizationToken = UUID.randomUUID().toString();
  private final BlockingQueue<Pending> events = new LinkedBlockingQueue<>();
  private final Map<String, Pending> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Long> servedAt = new ConcurrentHashMap<>();
  private final CompletableFuture<Long> firstNext = new CompletableFuture<>();
  private final CompletableFuture<Long> restoreRequested = new CompletableFuture<>();
  private volatile CompletableFuture<Void> restoreAnswered = CompletableFuture.completedFuture(null);
  private volatile boolean closed;

  private LocalRuntimeApi() throws IOException {
    workers = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "local-runtime-api");
      thread.setDaemon(true);
      return thread;
    });
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(workers);
    server.start();
  }

  public static LocalRuntimeApi start() {
    try {
      return new LocalRuntimeApi();
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the Runtime API's port", e);
    }
  }

  /** The value of {@code AWS_LAMBDA_RUNTIME_API}: host and port, no scheme. */
  public String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * The variables with which Lambda points a SnapStart function's SDK at its credentials:
   * {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} and {@code AWS_CONTAINER_AUTHORIZATION_TOKEN}.
   */
  public Map<String, String> credentialVariables() {
    return Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", URI.create("http://" + address() + CREDENTIALS_PATH).toString(),
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", authorizationToken);
  }

  /**
   * The variables with which Lambda gives a function started on demand its role's keys, the same
   * keys the container endpoint serves.
   */
  public Map<String, String> keyVariables() {
    return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN", SESSION_TOKEN);
  }

  /**
   * Waits for the runtime's first request for an invocation: the moment it is ready to be invoked.
   * An init error reported first fails it with the runtime's own account of the error.
   */
  public long awaitReady(Duration timeout) throws TimeoutException {
    return await(firstNext, timeout, "the runtime's first request for an invocation");
  }

  /** Whether the runtime has asked for its first invocation yet. */
  public boolean askedForAnEvent() {
    return firstNext.isDone();
  }

  /** When the runtime asked to be restored, if it was initialised for SnapStart. */
  public Optional<Long> restoreRequestedAt() {
    return Optional.ofNullable(restoreRequested.getNow(null));
  }

  /**
   * From now on leaves the runtime's request to be restored unanswered, as Lambda leaves it while
   * it takes the snapshot, until {@link #answerRestore()}. Without it, the request is answered at
   * once, as if the snapshot had been restored on the spot.
   */
  public void holdRestoreRequest() {
    restoreAnswered = new CompletableFuture<>();
  }

  /** Waits for the runtime's request to be restored; returns when it arrived. */
  public long awaitRestoreRequest(Duration timeout) throws TimeoutException {
    return await(restoreRequested, timeout, "the runtime's request to be restored");
  }

  /** Answers the runtime's request to be restored: it runs its after-restore hooks, then asks for an event. */
  public void answerRestore() {
    restoreAnswered.complete(null);
  }

  /**
   * Tells the API that the runtime's JVM has ended. Before it asked to be restored, that is what
   * Lambda reports as {@code Runtime.ExitError}, and waiting for it to be ready fails at once;
   * after, the JVM ended because its snapshot was taken.
   */
  public void runtimeExited(int exitCode) {
    if (!restoreRequested.isDone()) {
      firstNext.completeExceptionally(new IllegalStateException("the runtime's JVM exited with code " + exitCode));
    }
  }

  /** Hands the event to the runtime's next request and waits for its answer. */
  public Invocation invoke(byte[] event, Duration timeout) throws TimeoutException {
    Pending pending = new Pending(UUID.randomUUID().toString(), event, timeout, new CompletableFuture<>());
    events.add(pending);
    return await(pending.answer(), timeout, "the answer to invocation " + pending.requestId());
  }

  @Override
  public void close() {
    closed = true;
    server.stop(0);
    workers.shutdownNow();
  }

  private static <T> T await(CompletableFuture<T> future, Duration timeout, String what) throws TimeoutException {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("instead of " + what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new TimeoutException("no " + what + " within " + timeout);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    long arrived = System.nanoTime();
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      byte[] body = readBody(exchange.getRequestBody());
      Matcher answer = INVOCATION_ANSWER.matcher(path);
      if (method.equals("GET") && path.equals(BASE + "/invocation/next")) {
        firstNext.complete(arrived);
        next(exchange);
      } else if (method.equals("POST") && answer.matches()) {
        answered(exchange, answer.group(1), answer.group(2).equals("error"), body, arrived);
      } else if (method.equals("POST") && path.equals(BASE + "/init/error")) {
        firstNext.completeExceptionally(new IllegalStateException("the runtime reported an init error: " + text(body)));
        send(exchange, 202, "{\"status\":\"OK\"}");
      } else if (method.equals("GET") && path.equals(BASE + "/restore/next")) {
        restoreRequested.complete(arrived);
        awaitRestoreAnswer();
        send(exchange, 200, "");
      } else if (method.equals("POST") && path.equals(BASE + "/restore/error")) {
        firstNext.completeExceptionally(new IllegalStateException("the runtime reported a restore error: " + text(body)));
        send(exchange, 202, "{\"status\":\"OK\"}");
      } else if (method.equals("GET") && path.equals(CREDENTIALS_PATH)) {
        credentials(exchange);
      } else {
        send(exchange, 404, "{\"errorMessage\":\"not a Runtime API request: " + method + " " + path + "\"}");
      }
    }
  }

  private void awaitRestoreAnswer() {
    while (!closed) {
      try {
        restoreAnswered.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        // Still snapshotting; the poll only lets close() end the wait.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Holds the request open until an event is there, as Lambda does between invocations. */
  private void next(HttpExchange exchange) throws IOException {
    Pending pending = null;
    while (pending == null && !closed) {
      try {
        pending = events.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (pending == null) {
      return;
    }
    inFlight.put(pending.requestId(), pending);
    long deadline = System.currentTimeMillis() + pending.timeout().toMillis();
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", pending.requestId());
    exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms", String.valueOf(deadline));
    exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN);
    exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id",
        "Root=1-" + Long.toHexString(Instant.now().getEpochSecond()) + "-" + pending.requestId().replace("-", "").substring(0, 24)
            + ";Parent=" + pending.requestId().replace("-", "").substring(0, 16) + ";Sampled=0");
    // Noted before the event goes out, so that no answer can arrive before its start is known.
    servedAt.put(pending.requestId(), System.nanoTime());
    exchange.sendResponseHeaders(200, pending.event().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(pending.event());
    }
  }

  private void answered(HttpExchange exchange, String requestId, boolean failed, byte[] body, long arrived)
      throws IOException {
    Pending pending = inFlight.remove(requestId);
    if (pending == null) {
      send(exchange, 400, "{\"errorMessage\":\"no invocation " + requestId + " is in flight\"}");
      return;
    }
    send(exchange, 202, "{\"status\":\"OK\"}");
    pending.answer().complete(new Invocation(servedAt.remove(requestId), arrived, failed, text(body)));
  }

  private void credentials(HttpExchange exchange) throws IOException {
    if (!authorizationToken.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      send(exchange, 401, "{\"message\":\"not authorized\"}");
      return;
    }
    send(exchange, 200, "{\"AccessKeyId\":\"" + ACCESS_KEY_ID + "\",\"SecretAccessKey\":\"" + SECRET_ACCESS_KEY + "\","
        + "\"Token\":\"" + SESSION_TOKEN + "\",\"Expiration\":\"" + Instant.now().plus(Duration.ofHours(6)) + "\"}");
  }

  private static byte[] readBody(InputStream body) throws IOException {
    try (body) {
      return body.readAllBytes();
    }
  }

  private static String text(byte[] body) {
    return new String(body, StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
