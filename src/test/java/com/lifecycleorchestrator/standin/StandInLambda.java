package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lambda's {@code Invoke} as the stand-in plays it: functions registered by name, each a callback
 * (the handler, in a test or the local run). {@code Event}, the only invocation type the function
 * uses, answers 202 at once and delivers the payload on another thread, as Lambda's asynchronous
 * invocation does.
 */
public final class StandInLambda implements AutoCloseable {

  /** The function's name and optional qualifier in any of the forms {@code FunctionName} accepts. */
  private static final Pattern FUNCTION_NAME = Pattern.compile(
      "(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?(?:\\d{12}:)?(?:function:)?([a-zA-Z0-9-_.]+)(?::([a-zA-Z0-9-_$.]+))?");

  /** What a registered function does with a payload: the handler, run as Lambda would run it. */
  @FunctionalInterface
  public interface Target {
    byte[] invoke(byte[] payload) throws Exception;
  }

  /** One delivery of an asynchronous invocation, and how the function took it. */
  public record Delivery(String functionName, Optional<String> qualifier, byte[] payload, Instant invokedAt,
      Optional<String> failure) {}

  private final Clock clock;
  private final Protocol protocol;
  private final Map<String, Target> functions = new LinkedHashMap<>();
  private final List<Delivery> deliveries = new ArrayList<>();
  private final ExecutorService deliverer = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "stand-in-lambda-delivery");
    thread.setDaemon(true);
    return thread;
  });
  private int inFlight;

  StandInLambda(Clock clock, Protocol protocol) {
    this.clock = clock;
    this.protocol = protocol;
  }

  public synchronized StandInLambda function(String name, Target target) {
    functions.put(name, target);
    return this;
  }

  /** The asynchronous deliveries made so far. */
  public synchronized List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }

  /** Waits until every asynchronous delivery has been made; false if that took longer than the timeout. */
  public synchronized boolean awaitDeliveries(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  Map<String, AwsStandIn.Operation> operations() {
    return Map.of("Invoke", this::invoke);
  }

  private ObjectNode invoke(JsonNode input) {
    String functionName = protocol.required(input, "FunctionName");
    Matcher name = FUNCTION_NAME.matcher(functionName);
    if (!name.matches()) {
      throw protocol.invalid("1 validation error detected: Value '" + functionName
          + "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern");
    }
    Optional<String> qualifier = Optional.ofNullable(name.group(2))
        .or(() -> Optional.ofNullable(input.get("Qualifier")).map(JsonNode::asText));
    Target target;
    synchronized (this) {
      target = functions.get(name.group(1));
    }
    if (target == null) {
      throw new ServiceError("ResourceNotFoundException", "Function not found: arn:aws:lambda:" + AwsStandIn.REGION
          + ":" + AwsStandIn.ACCOUNT + ":function:" + name.group(1) + qualifier.map(q -> ":" + q).orElse(""),
          404, true);
    }
    byte[] payload = Protocol.bytesOf(input.get("Payload"));
    ObjectNode output = JsonNodeFactory.instance.objectNode()
        .put("ExecutedVersion", qualifier.filter(q -> q.matches("\\d+")).orElse("$LATEST"));
    String invocationType = input.path("InvocationType").asText("RequestResponse");
    if (!invocationType.equals("Event")) {
      throw protocol.invalid("The stand-in plays only the asynchronous invocation (Event) the function makes, got "
          + invocationType);
    }
    deliverLater(name.group(1), qualifier, target, payload);
    return output.put("StatusCode", 202);
  }

  private synchronized void deliverLater(String functionName, Optional<String> qualifier, Target target, byte[] payload) {
    Instant invokedAt = clock.now();
    inFlight++;
    deliverer.execute(() -> {
      Optional<String> failure = Optional.empty();
      try {
        target.invoke(payload);
      } catch (Exception | AssertionError e) {
        failure = Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      synchronized (StandInLambda.this) {
        deliveries.add(new Delivery(functionName, qualifier, payload, invokedAt, failure));
        inFlight--;
        StandInLambda.this.notifyAll();
      }
    });
  }

  @Override
  public void close() {
    deliverer.shutdownNow();
  }
}
