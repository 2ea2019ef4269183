package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Clock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * SQS as the stand-in plays it ({@code awsJson1_0}): standard queues with their visibility timeout
 * and a redrive policy, {@code SendMessage} (with a delay), {@code ChangeMessageVisibility} and
 * {@code DeleteMessage}; and Lambda's event source mapping that reads a queue and invokes a
 * function with one message at a time ({@link #pollOnce}), with partial batch responses.
 */
public final class StandInSqs {

  /** SendMessage's DelaySeconds: 0 to 900 ("Amazon SQS delay queues"). */
  static final Duration LONGEST_DELAY = Duration.ofMinutes(15);
  /** ChangeMessageVisibility's VisibilityTimeout: 0 to 43,200 s ("Amazon SQS visibility timeout"). */
  static final Duration LONGEST_VISIBILITY = Duration.ofHours(12);

  /** A message as the queue holds it. */
  public static final class Message {
    private final String id;
    private final String body;
    private final Instant sentAt;
    private Instant visibleAt;
    private int receiveCount;
    private Optional<String> receiptHandle = Optional.empty();

    Message(String body, Instant sentAt, Instant visibleAt) {
      this.id = UUID.randomUUID().toString();
      this.body = body;
      this.sentAt = sentAt;
      this.visibleAt = visibleAt;
    }

    public String id() {
      return id;
    }

    public String body() {
      return body;
    }

    public Instant visibleAt() {
      return visibleAt;
    }

    public int receiveCount() {
      return receiveCount;
    }
  }

  /** A standard queue, and the queue its redrive policy moves a message to after maxReceiveCount receives. */
  private record Queue(String name, Duration visibilityTimeout, int maxReceiveCount, List<Message> messages,
      List<Message> deadLetters) {}

  /** What the event source mapping did with one message: the function's answer, or its error. */
  public record Invocation(String messageId, int receiveCount, Optional<JsonNode> response, Optional<String> error) {}

  private final Clock clock;
  private final Protocol protocol;
  private final Supplier<String> endpoint;
  private final Map<String, Queue> queues = new LinkedHashMap<>();

  StandInSqs(Clock clock, Protocol protocol, Supplier<String> endpoint) {
    this.clock = clock;
    this.protocol = protocol;
    this.endpoint = endpoint;
  }

  /** A standard queue with the given visibility timeout and a redrive policy of maxReceiveCount. */
  public synchronized StandInSqs queue(String name, Duration visibilityTimeout, int maxReceiveCount) {
    queues.put(name, new Queue(name, visibilityTimeout, maxReceiveCount, new ArrayList<>(), new ArrayList<>()));
    return this;
  }

  public String queueUrl(String name) {
    return endpoint.get() + "/" + AwsStandIn.ACCOUNT + "/" + name;
  }

  /** The messages in the queue, in flight or not. */
  public synchronized List<Message> messages(String queue) {
    return List.copyOf(named(queue).messages());
  }

  /** The messages the redrive policy moved to the dead-letter queue. */
  public synchronized List<Message> deadLetters(String queue) {
    return List.copyOf(named(queue).deadLetters());
  }

  Map<String, AwsStandIn.Operation> operations() {
    return Map.of(
        "SendMessage", this::sendMessage,
        "ChangeMessageVisibility", this::changeMessageVisibility,
        "DeleteMessage", this::deleteMessage);
  }

  /** A message sent as if by another sender, visible at once. */
  public synchronized Message send(String queueName, String body) {
    Message message = new Message(body, clock.now(), clock.now());
    named(queueName).messages().add(message);
    return message;
  }

  private synchronized ObjectNode sendMessage(JsonNode input) {
    Queue queue = byUrl(protocol.required(input, "QueueUrl"));
    String body = protocol.required(input, "MessageBody");
    int delay = input.path("DelaySeconds").asInt(0);
    if (delay < 0 || delay > LONGEST_DELAY.toSeconds()) {
      throw ServiceError.sender("InvalidParameterValue",
          "Value " + delay + " for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.");
    }
    Instant now = clock.now();
    Message message = new Message(body, now, now.plusSeconds(delay));
    queue.messages().add(message);
    return JsonNodeFactory.instance.objectNode().put("MessageId", message.id()).put("MD5OfMessageBody", md5(body));
  }

  /** "Amazon SQS visibility timeout": a message in flight becomes visible again after the new timeout, counted from now. */
  private synchronized ObjectNode changeMessageVisibility(JsonNode input) {
    Queue queue = byUrl(protocol.required(input, "QueueUrl"));
    Message message = received(queue, protocol.required(input, "ReceiptHandle"));
    int timeout = input.path("VisibilityTimeout").asInt(-1);
    if (timeout < 0 || timeout > LONGEST_VISIBILITY.toSeconds()) {
      throw ServiceError.sender("InvalidParameterValue",
          "Value " + timeout + " for parameter VisibilityTimeout is invalid. Reason: must be between 0 and 43200.");
    }
    Instant now = clock.now();
    if (!message.visibleAt.isAfter(now)) {
      throw ServiceError.sender("MessageNotInflight", "The message referred to is not in flight.");
    }
    message.visibleAt = now.plusSeconds(timeout);
    return JsonNodeFactory.instance.objectNode();
  }

  private synchronized ObjectNode deleteMessage(JsonNode input) {
    Queue queue = byUrl(protocol.required(input, "QueueUrl"));
    queue.messages().remove(received(queue, protocol.required(input, "ReceiptHandle")));
    return JsonNodeFactory.instance.objectNode();
  }

  /**
   * One round of Lambda's event source mapping with BatchSize 1 and ReportBatchItemFailures
   * ("Using Lambda with Amazon SQS", "Handling errors for an SQS event source in Lambda"): each
   * visible message is received (invisible for the queue's visibility timeout, its receive count
   * up; past maxReceiveCount the redrive policy moves it to the dead-letter queue instead) and the
   * function invoked with it. A message the function's batchItemFailures name, or whose invocation
   * failed, stays in the queue until its visibility timeout ends; any other is deleted.
   */
  public List<Invocation> pollOnce(String queueName, String queueArn, StandInLambda.Target function) {
    List<Invocation> invocations = new ArrayList<>();
    for (Message message : receiveVisible(queueName)) {
      ObjectNode event = JsonNodeFactory.instance.objectNode();
      event.putArray("Records").add(record(message, queueArn));
      byte[] payload = event.toString().getBytes(StandardCharsets.UTF_8);
      Optional<JsonNode> response = Optional.empty();
      Optional<String> error = Optional.empty();
      try {
        response = Optional.of(Protocol.JSON.readTree(function.invoke(payload)));
      } catch (Exception failure) {
        error = Optional.of(failure.getClass().getSimpleName() + ": " + failure.getMessage());
      }
      if (error.isEmpty() && !namesAsFailed(response.orElseThrow())) {
        synchronized (this) {
          named(queueName).messages().remove(message);
        }
      }
      invocations.add(new Invocation(message.id(), message.receiveCount, response, error));
    }
    return invocations;
  }

  private synchronized List<Message> receiveVisible(String queueName) {
    Queue queue = named(queueName);
    Instant now = clock.now();
    List<Message> received = new ArrayList<>();
    for (Message message : List.copyOf(queue.messages())) {
      if (message.visibleAt.isAfter(now)) {
        continue;
      }
      if (message.receiveCount >= queue.maxReceiveCount()) {
        queue.messages().remove(message);
        queue.deadLetters().add(message);
        continue;
      }
      message.receiveCount++;
      message.receiptHandle = Optional.of(UUID.randomUUID().toString());
      message.visibleAt = now.plus(queue.visibilityTimeout());
      received.add(message);
    }
    return received;
  }

  /** A record as the event source mapping delivers it ("Using Lambda with Amazon SQS": example event). */
  private ObjectNode record(Message message, String queueArn) {
    ObjectNode record = JsonNodeFactory.instance.objectNode()
        .put("messageId", message.id())
        .put("receiptHandle", message.receiptHandle.orElseThrow())
        .put("body", message.body());
    record.putObject("attributes")
        .put("ApproximateReceiveCount", String.valueOf(message.receiveCount))
        .put("SentTimestamp", String.valueOf(message.sentAt.toEpochMilli()))
        .put("SenderId", AwsStandIn.ACCOUNT)
        .put("ApproximateFirstReceiveTimestamp", String.valueOf(clock.now().toEpochMilli()));
    record.putObject("messageAttributes");
    return record.put("md5OfBody", md5(message.body()))
        .put("eventSource", "aws:sqs")
        .put("eventSourceARN", queueArn)
        .put("awsRegion", AwsStandIn.REGION);
  }

  /**
   * Partial batch response: with one message a batch, any failure named (this message, or, which
   * fails the whole batch, one not in it) leaves the message in the queue ("Handling errors for an
   * SQS event source in Lambda"); an empty or absent batchItemFailures is a success.
   */
  private static boolean namesAsFailed(JsonNode response) {
    JsonNode failures = response.path("batchItemFailures");
    return failures.isArray() && !failures.isEmpty();
  }

  private Message received(Queue queue, String receiptHandle) {
    return queue.messages().stream()
        .filter(message -> message.receiptHandle.filter(receiptHandle::equals).isPresent())
        .findFirst()
        .orElseThrow(() -> ServiceError.sender("ReceiptHandleIsInvalid",
            "The input receipt handle \"" + receiptHandle + "\" is not a valid receipt handle."));
  }

  private Queue byUrl(String url) {
    String name = url.substring(url.lastIndexOf('/') + 1);
    if (!url.equals(queueUrl(name)) || !queues.containsKey(name)) {
      throw ServiceError.sender("QueueDoesNotExist", "The specified queue does not exist.");
    }
    return queues.get(name);
  }

  private Queue named(String name) {
    Queue queue = queues.get(name);
    if (queue == null) {
      throw new IllegalArgumentException("no queue " + name + " in the stand-in");
    }
    return queue;
  }

  private static String md5(String body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
