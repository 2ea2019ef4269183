package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Clock;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * A local stand-in for the AWS services the function calls: an HTTP server on the loopback
 * interface that speaks SSM's {@code awsJson1_1}, Auto Scaling's {@code awsQuery}, Lambda's
 * {@code restJson1} for {@code Invoke} and SQS's {@code awsJson1_0} (and, for the operator's smoke
 * test, CloudFormation's, EventBridge's, S3's and CloudWatch Logs' reads of a deployed stack), so
 * that the function's real SDK clients, with their serialization, retries and error mapping, talk
 * to it as they would to AWS. Its state runs on a clock it is given: the wall clock for a local
 * run, a virtual clock shared with the function for tests in which hours pass in milliseconds. It
 * checks no signature but refuses a request with none, injects {@link Faults} on demand, and keeps
 * a record of every call.
 */
public final class AwsStandIn implements AutoCloseable {

  public static final String REGION = "us-east-1";
  public static final String ACCOUNT = "123456789012";

  static {
    // The JDK's server writes an answer's head and body apart; with Nagle's algorithm on, the body
    // waits for the client's delayed ACK, some 40 ms a call. The server reads this once, at first use.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  /** One operation of a service: its input tree in, its output tree out, or a {@link ServiceError}. */
  @FunctionalInterface
  interface Operation {
    ObjectNode call(JsonNode input);
  }

  private record Service(String name, Protocol protocol, Map<String, Operation> operations) {}

  /**
   * One call as received and answered: when (on the stand-in's clock), which operation, the
   * request's members flattened to {@code Name.Sub.1} keys, the answer ({@code OK}, the error
   * code, {@code dropped}: no effect and no answer, or {@code answer lost}: effect and no answer)
   * and the output members sent with an {@code OK}, flattened the same way.
   */
  public record Call(
      Instant at,
      String service,
      String operation,
      Map<String, String> request,
      String answer,
      Map<String, String> response) {
    public static final String OK = "OK";

    public boolean succeeded() {
      return answer.equals(OK);
    }

    /** A request member, such as {@code InstanceId} or {@code Parameters.InstanceId.1}. */
    public Optional<String> member(String name) {
      return Optional.ofNullable(request.get(name));
    }

    /** An output member, such as {@code AutomationExecution.AutomationExecutionStatus}. */
    public Optional<String> output(String name) {
      return Optional.ofNullable(response.get(name));
    }
  }

  private final Clock clock;
  private final Faults faults;
  private final StandInSsm ssm;
  private final StandInAutoScaling autoScaling;
  private final StandInLambda lambda;
  private final StandInSqs sqs;
  private final StandInCloudFormation cloudFormation;
  private final StandInEventBridge eventBridge;
  private final StandInS3 s3;
  private final StandInLogs logs;
  private final List<Service> services;
  private final HttpServer server;
  private final ExecutorService workers;
  private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
  private final List<Consumer<Call>> listeners = new CopyOnWriteArrayList<>();
  private final List<Throwable> ownFailures = new CopyOnWriteArrayList<>();

  private AwsStandIn(Clock clock, long faultSeed) throws IOException {
    this.clock = clock;
    this.faults = new Faults(faultSeed);
    Protocol ssmProtocol = new Protocol.AwsJson("AmazonSSM");
    Protocol autoScalingProtocol = new Protocol.AwsQuery("2011-01-01", "http://autoscaling.amazonaws.com/doc/2011-01-01/");
    Protocol lambdaProtocol = new Protocol.RestJson(new Protocol.RestJson.Route("Invoke", "POST",
        Pattern.compile("/2015-03-31/functions/([^/]+)/invocations"), "FunctionName",
        Map.of("Qualifier", "Qualifier"),
        Map.of("X-Amz-Invocation-Type", "InvocationType", "X-Amz-Log-Type", "LogType",
            "X-Amz-Client-Context", "ClientContext"),
        "Payload", "StatusCode",
        Map.of("FunctionError", "X-Amz-Function-Error", "ExecutedVersion", "X-Amz-Executed-Version")));
    this.ssm = new StandInSsm(clock, ssmProtocol);
    this.autoScaling = new StandInAutoScaling(clock, autoScalingProtocol);
    this.lambda = new StandInLambda(clock, lambdaProtocol);
    Protocol sqsProtocol = new Protocol.AwsJson("AmazonSQS", "application/x-amz-json-1.0");
    this.sqs = new StandInSqs(clock, sqsProtocol, () -> endpoint().toString());
    // What a deployed stack is read back through, by the operator's smoke test rather than the function.
    Protocol cloudFormationProtocol = new Protocol.AwsQuery("2010-05-15", "http://cloudformation.amazonaws.com/doc/2010-05-15/");
    this.cloudFormation = new StandInCloudFormation(clock, cloudFormationProtocol);
    Protocol eventBridgeProtocol = new Protocol.AwsJson("AWSEvents");
    this.eventBridge = new StandInEventBridge();
    Protocol s3Protocol = new Protocol.RestXml(new Protocol.RestXml.Route("ListObjectsV2", "GET", "list-type=2",
        "Bucket", Map.of("prefix", "Prefix", "encoding-type", "EncodingType"), "ListBucketResult",
        "http://s3.amazonaws.com/doc/2006-03-01/"));
    this.s3 = new StandInS3(clock);
    Protocol logsProtocol = new Protocol.AwsJson("Logs_20140328");
    this.logs = new StandInLogs(clock);
    this.services = List.of(
        new Service("SSM", ssmProtocol, ssm.operations()),
        new Service("Auto Scaling", autoScalingProtocol, autoScaling.operations()),
        new Service("Lambda", lambdaProtocol, lambda.operations()),
        new Service("SQS", sqsProtocol, sqs.operations()),
        new Service("CloudFormation", cloudFormationProtocol, cloudFormation.operations()),
        new Service("EventBridge", eventBridgeProtocol, eventBridge.operations()),
        new Service("S3", s3Protocol, s3.operations()),
        new Service("CloudWatch Logs", logsProtocol, logs.operations()));
    this.workers = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "aws-stand-in");
      thread.setDaemon(true);
      return thread;
    });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(workers);
    server.start();
  }

  /** A stand-in on a free port of the loopback interface, its state on the given clock. */
  public static AwsStandIn start(Clock clock) {
    return start(clock, 20261125L);
  }

  /** The same, with the seed that decides which calls a share of faults falls on. */
  public static AwsStandIn start(Clock clock, long faultSeed) {
    try {
      return new AwsStandIn(clock, faultSeed);
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the stand-in's port", e);
    }
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * The AWS SDK for Java's own system properties that send its SSM, Auto Scaling and Lambda
   * clients here, so that the function's code needs no endpoint override of its own.
   */
  public Map<String, String> sdkEndpointProperties() {
    String url = endpoint().toString();
    return Map.of("aws.endpointUrlSsm", url, "aws.endpointUrlAutoScaling", url, "aws.endpointUrlLambda", url,
        "aws.endpointUrlSqs", url);
  }

  /** The standard variables that do the same for a child process: the SDKs' and the AWS CLI's. */
  public Map<String, String> endpointVariables() {
    String url = endpoint().toString();
    return Map.of("AWS_ENDPOINT_URL_SSM", url, "AWS_ENDPOINT_URL_AUTO_SCALING", url, "AWS_ENDPOINT_URL_LAMBDA", url);
  }

  public StandInSsm ssm() {
    return ssm;
  }

  /** An SSM client of someone other than the function, pointed here; the caller closes it. */
  public SsmClient newSsmClient() {
    return SsmClient.builder()
        .endpointOverride(endpoint())
        .region(Region.of(REGION))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  public StandInAutoScaling autoScaling() {
    return autoScaling;
  }

  public StandInLambda lambda() {
    return lambda;
  }

  public StandInSqs sqs() {
    return sqs;
  }

  public StandInCloudFormation cloudFormation() {
    return cloudFormation;
  }

  public StandInEventBridge eventBridge() {
    return eventBridge;
  }

  public StandInS3 s3() {
    return s3;
  }

  public StandInLogs logs() {
    return logs;
  }

  public Faults faults() {
    return faults;
  }

  /** Every call so far, in the order they were answered. */
  public List<Call> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  /** The calls of one operation so far. */
  public List<Call> calls(String operation) {
    return calls().stream().filter(call -> call.operation().equals(operation)).toList();
  }

  /** Tells the listener of every call from now on, as it is answered. */
  public void onCall(Consumer<Call> listener) {
    listeners.add(listener);
  }

  /**
   * Stops the server. A failure of the stand-in's own code (not an error it answered on purpose)
   * fails here, so that a defect in the stand-in cannot pass for a fault of AWS.
   */
  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
    lambda.close();
    if (!ownFailures.isEmpty()) {
      IllegalStateException failed = new IllegalStateException(
          "the stand-in failed " + ownFailures.size() + " time(s) in its own code; the first failure is the cause",
          ownFailures.get(0));
      ownFailures.stream().skip(1).forEach(failed::addSuppressed);
      throw failed;
    }
  }

  private void handle(HttpExchange exchange) {
    try {
      byte[] body;
      try {
        body = readBody(exchange.getRequestBody());
      } catch (IOException clientWentAway) {
        // The client ended before its request did (a test stops a runtime's JVM mid-call): there is
        // no request to answer, and nothing of the stand-in's own failed.
        return;
      }
      Protocol.Inbound request = new Protocol.Inbound(exchange.getRequestMethod(),
          exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(),
          exchange.getRequestHeaders(), body);
      Optional<Service> service = services.stream()
          .filter(candidate -> candidate.protocol().operation(request).isPresent())
          .findFirst();
      if (service.isEmpty()) {
        send(exchange, new Protocol.Answer(404, "text/plain", ("This AWS stand-in answers SSM (awsJson1_1, "
            + "X-Amz-Target AmazonSSM.*), Auto Scaling (awsQuery, Version 2011-01-01), Lambda Invoke "
            + "(restJson1), SQS (awsJson1_0), CloudFormation DescribeStacks (awsQuery, Version 2010-05-15), "
            + "EventBridge rules (awsJson1_1, AWSEvents.*), S3 ListObjectsV2 (restXml) and CloudWatch Logs "
            + "FilterLogEvents (awsJson1_1, Logs_20140328.*); this request is none of them.").getBytes(StandardCharsets.UTF_8), Map.of()));
        return;
      }
      answer(exchange, request, service.get());
    } catch (RuntimeException | IOException | Error failure) {
      ownFailures.add(failure);
    } finally {
      // Only now: the client sees the answer end after the failure is on record.
      exchange.close();
    }
  }

  private void answer(HttpExchange exchange, Protocol.Inbound request, Service service) throws IOException {
    Protocol protocol = service.protocol();
    String operationName = protocol.operation(request).orElseThrow();
    String requestId = UUID.randomUUID().toString();
    Instant at = clock.now();
    Map<String, String> members = Map.of();
    Map<String, String> sent = Map.of();
    Protocol.Answer answer;
    String outcome;
    try {
      JsonNode input = protocol.input(request);
      members = flattened(input);
      if (request.header("Authorization") == null) {
        throw protocol.missingAuthentication();
      }
      Faults.Decision decision = faults.decide(operationName);
      pause(decision);
      if (decision.kind() == Faults.Kind.DROP_BEFORE) {
        record(new Call(at, service.name(), operationName, members, "dropped", Map.of()));
        return;
      }
      if (decision.kind() == Faults.Kind.THROTTLE) {
        throw protocol.throttled();
      }
      if (decision.kind() == Faults.Kind.DENY) {
        throw protocol.accessDenied(operationName);
      }
      if (decision.kind() == Faults.Kind.SERVER_ERROR) {
        throw protocol.serverError(decision.status());
      }
      Operation operation = service.operations().get(operationName);
      if (operation == null) {
        throw protocol.unknownOperation(operationName);
      }
      ObjectNode output = operation.call(input);
      if (decision.kind() == Faults.Kind.DROP_AFTER) {
        record(new Call(at, service.name(), operationName, members, "answer lost", flattened(output)));
        return;
      }
      answer = protocol.output(operationName, output, requestId);
      outcome = Call.OK;
      sent = flattened(output);
    } catch (ServiceError error) {
      answer = protocol.error(error, requestId);
      outcome = error.code();
    }
    // Recorded before it is sent, so that a caller that has its answer finds the call on record.
    record(new Call(at, service.name(), operationName, members, outcome, sent));
    send(exchange, answer);
  }

  /** Added latency is wall-clock time: it is there to try the caller's timeouts, which run on it. */
  private static void pause(Faults.Decision decision) {
    if (decision.latency().isZero()) {
      return;
    }
    try {
      Thread.sleep(decision.latency().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void record(Call call) {
    calls.add(call);
    listeners.forEach(listener -> listener.accept(call));
  }

  private static byte[] readBody(InputStream body) throws IOException {
    try (body) {
      return body.readAllBytes();
    }
  }

  private static void send(HttpExchange exchange, Protocol.Answer answer) throws IOException {
    answer.headers().forEach(exchange.getResponseHeaders()::add);
    exchange.getResponseHeaders().add("Content-Type", answer.contentType());
    exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer.body());
    }
  }

  /** {@code {"Parameters": {"InstanceId": ["i-1"]}}} becomes {@code Parameters.InstanceId.1 = i-1}. */
  private static Map<String, String> flattened(JsonNode input) {
    Map<String, String> members = new LinkedHashMap<>();
    flatten("", input, members);
    return members;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> members) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        flatten(prefix + field.getKey() + ".", field.getValue(), members);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        flatten(prefix + (i + 1) + ".", node.get(i), members);
      }
    } else {
      String key = prefix.substring(0, prefix.length() - 1);
      members.put(key, node.isBinary()
          ? new String(Protocol.bytesOf(node), StandardCharsets.UTF_8)
          : node.asText());
    }
  }

  /**
   * An output of one page of {@code items} in the list member given, and a {@code NextToken}
   * when more follow, paged by the input's {@code NextToken} and its page-size member.
   */
  static ObjectNode paged(List<? extends JsonNode> items, String listMember, JsonNode input, String sizeMember,
      int defaultSize) {
    int from = pageStart(input);
    int size = input.hasNonNull(sizeMember) ? input.get(sizeMember).asInt(defaultSize) : defaultSize;
    int to = Math.min(items.size(), from + Math.max(1, size));
    ObjectNode output = Protocol.JSON.createObjectNode();
    output.putArray(listMember).addAll(items.subList(Math.min(from, items.size()), to));
    return withNextToken(output, to, items.size());
  }

  /**
   * A page as a service answers that reads {@code read} records of the whole listing per page and
   * filters them afterwards: only the records that match are answered, and a NextToken while records
   * remain, so a page may be empty and still not the last.
   */
  static <T> ObjectNode filteredAfterReading(List<T> all, Predicate<? super T> matching,
      Function<? super T, ? extends JsonNode> shown, int read, String listMember, JsonNode input) {
    int from = Math.min(pageStart(input), all.size());
    int to = Math.min(all.size(), from + read);
    ObjectNode output = Protocol.JSON.createObjectNode();
    output.putArray(listMember).addAll(all.subList(from, to).stream().filter(matching).map(shown).toList());
    return withNextToken(output, to, all.size());
  }

  private static int pageStart(JsonNode input) {
    if (!input.hasNonNull("NextToken")) {
      return 0;
    }
    try {
      return Integer.parseInt(new String(Base64.getDecoder().decode(input.get("NextToken").asText()),
          StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw ServiceError.sender("InvalidNextToken", "The token is not one this service issued");
    }
  }

  private static ObjectNode withNextToken(ObjectNode output, int next, int total) {
    if (next < total) {
      output.put("NextToken", Base64.getEncoder().encodeToString(String.valueOf(next).getBytes(StandardCharsets.UTF_8)));
    }
    return output;
  }

  /** The strings of a list member; none if it is absent. */
  static List<String> strings(JsonNode list) {
    List<String> strings = new ArrayList<>();
    list.forEach(value -> strings.add(value.asText()));
    return strings;
  }
}
