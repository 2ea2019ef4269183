package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * SSM Automation as the stand-in plays it: runbooks registered with the parameters they declare,
 * executions that move through a scripted sequence of statuses on the stand-in's clock, SSM's
 * client-token idempotency, a limit on executions running at once with the rest queued as
 * {@code Pending}, a queue limit beyond which starts are refused, and managed instances with the
 * ping status of their agent, a launched instance's known only once its agent has registered. The runbooks' own steps are never executed: only their statuses are
 * played.
 */
public final class StandInSsm {

  /** Statuses after which an execution changes no more, from SSM's AutomationExecutionStatus. */
  static final Set<String> TERMINAL_STATUSES = Set.of("Success", "TimedOut", "Cancelled", "Failed", "Rejected",
      "ChangeCalendarOverrideRejected", "CompletedWithSuccess", "CompletedWithFailure", "Exited");

  /** SSM's default quotas: concurrently running automations, and automations queued behind them. */
  static final int DEFAULT_MAX_RUNNING = 100;
  static final int DEFAULT_MAX_QUEUED = 1000;

  /** A runbook: its name, the parameters it declares, and those of them without a default. */
  public record Document(String name, Set<String> parameters, Set<String> required) {
    public Document {
      parameters = Set.copyOf(parameters);
      required = Set.copyOf(required);
    }

    /** A runbook declaring these parameters, each with a default. */
    public static Document declaring(String name, String... parameters) {
      return new Document(name, Set.of(parameters), Set.of());
    }

    /** The same runbook, with these of its parameters required. */
    public Document requiring(String... names) {
      Set<String> declared = new LinkedHashSet<>(parameters);
      declared.addAll(List.of(names));
      return new Document(name, declared, Set.of(names));
    }
  }

  /** A status held for a while. */
  public record Phase(String status, Duration lasts) {}

  /** The statuses an execution goes through once it runs, and the one it stays in after them. */
  public record Script(List<Phase> phases, String finalStatus) {
    public Script {
      phases = List.copyOf(phases);
    }

    /** {@code InProgress} for the time given, then {@code Success}. */
    public static Script succeedsAfter(Duration running) {
      return endsAfter(running, "Success");
    }

    /** {@code InProgress} for the time given, then the final status. */
    public static Script endsAfter(Duration running, String finalStatus) {
      return new Script(List.of(new Phase("InProgress", running)), finalStatus);
    }

    /** {@code InProgress} for ever: until stopped. */
    public static Script neverEnds() {
      return new Script(List.of(), "InProgress");
    }

    boolean ends() {
      return TERMINAL_STATUSES.contains(finalStatus);
    }

    Duration length() {
      return phases.stream().map(Phase::lasts).reduce(Duration.ZERO, Duration::plus);
    }

    String statusAfter(Duration running) {
      Duration phaseEnd = Duration.ZERO;
      for (Phase phase : phases) {
        phaseEnd = phaseEnd.plus(phase.lasts());
        if (running.compareTo(phaseEnd) < 0) {
          return phase.status();
        }
      }
      return finalStatus;
    }
  }

  /** What SSM does with a client token it has seen. */
  public enum TokenReuse {
    /** The same execution for the same request again; {@code IdempotentParameterMismatch} for another. */
    RETURNS_SAME_EXECUTION,
    /** {@code IdempotentParameterMismatch} whatever the request: "can't be reused", as the model says. */
    REFUSED
  }

  /** An execution as a test sees it. */
  public record ExecutionView(
      String id,
      String documentName,
      Map<String, List<String>> parameters,
      Map<String, String> tags,
      String status,
      Instant startedAt,
      Optional<Instant> endedAt) {}

  private final class Execution {
    final String id = UUID.randomUUID().toString();
    final String documentName;
    final Map<String, List<String>> parameters;
    final Map<String, String> tags;
    final JsonNode request;
    final Script script;
    final Instant startedAt;
    Instant runningSince;

    Execution(String documentName, Map<String, List<String>> parameters, Map<String, String> tags,
        JsonNode request, Script script, Instant startedAt) {
      this.documentName = documentName;
      this.parameters = parameters;
      this.tags = tags;
      this.request = request;
      this.script = script;
      this.startedAt = startedAt;
    }

    /** When it stops taking a slot: at the end of its script; null while it runs on. */
    Instant endsAt() {
      return runningSince != null && script.ends() ? runningSince.plus(script.length()) : null;
    }

    String status(Instant now) {
      return runningSince == null ? "Pending" : script.statusAfter(Duration.between(runningSince, now));
    }

    Optional<Instant> endedAt(Instant now) {
      Instant end = endsAt();
      return end != null && !end.isAfter(now) ? Optional.of(end) : Optional.empty();
    }

    ExecutionView view(Instant now) {
      return new ExecutionView(id, documentName, parameters, tags, status(now), startedAt, endedAt(now));
    }
  }

  /**
   * A managed instance and the ping status of its SSM agent (Online, ConnectionLost or Inactive),
   * known to SSM from {@code registeredAt} on.
   */
  private record ManagedInstance(String id, String pingStatus, Instant registeredAt) {}

  /**
   * How long after its launch an instance's agent registers, unless a test says otherwise: it first
   * waits for the instance to boot, then starts and reaches an SSM endpoint ("Troubleshooting managed
   * node availability", AWS Systems Manager User Guide); a minute and a half is a typical boot.
   */
  public static final Duration AGENT_REGISTRATION_DELAY = Duration.ofSeconds(90);

  private final Clock clock;
  private final Protocol protocol;
  private final Map<String, Document> documents = new LinkedHashMap<>();
  private final Map<String, Execution> executions = new LinkedHashMap<>();
  /** IdempotencyToken's pattern in SSM's model; its length, 36, is the pattern's own. */
  private static final Pattern CLIENT_TOKEN =
      Pattern.compile("[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}");

  private final Map<String, Execution> byClientToken = new LinkedHashMap<>();
  private final List<Execution> running = new ArrayList<>();
  private final Deque<Execution> queued = new ArrayDeque<>();
  private final Map<String, ManagedInstance> instances = new TreeMap<>();
  private Function<Map<String, List<String>>, Script> scripts = parameters -> Script.succeedsAfter(Duration.ofSeconds(30));
  private TokenReuse tokenReuse = TokenReuse.RETURNS_SAME_EXECUTION;
  private int maxRunning = DEFAULT_MAX_RUNNING;
  private int maxQueued = DEFAULT_MAX_QUEUED;
  private OptionalInt readPerPage = OptionalInt.empty();

  StandInSsm(Clock clock, Protocol protocol) {
    this.clock = clock;
    this.protocol = protocol;
  }

  public synchronized StandInSsm document(Document document) {
    documents.put(document.name(), document);
    return this;
  }

  /** Every execution started from now on follows this script. */
  public StandInSsm everyExecution(Script script) {
    return scripted(parameters -> script);
  }

  /** Each execution started from now on follows the script chosen by its parameters. */
  public synchronized StandInSsm scripted(Function<Map<String, List<String>>, Script> scripts) {
    this.scripts = scripts;
    return this;
  }

  public synchronized StandInSsm tokenReuse(TokenReuse tokenReuse) {
    this.tokenReuse = tokenReuse;
    return this;
  }

  /** At most this many executions run at once; more wait in the queue as {@code Pending}. */
  public synchronized StandInSsm maxRunning(int executions) {
    this.maxRunning = executions;
    return this;
  }

  /** At most this many executions wait in the queue; beyond it, starts are refused. */
  public synchronized StandInSsm maxQueued(int executions) {
    this.maxQueued = executions;
    return this;
  }

  /**
   * Filtered listings (DescribeInstanceInformation, DescribeAutomationExecutions) read this many
   * records a page and filter them afterwards, so that a page may come back empty with a NextToken:
   * their references end a listing only when "there are no additional items to return", and SSM
   * answers filtered listings so (aws/boto3 issue 2643, "Response contains both an empty result
   * list and a NextToken when using filters").
   */
  public synchronized StandInSsm filtersAfterReading(int recordsPerPage) {
    this.readPerPage = OptionalInt.of(recordsPerPage);
    return this;
  }

  /** The instance is managed by SSM and its agent last answered with this ping status. */
  public synchronized StandInSsm managedInstance(String instanceId, String pingStatus) {
    instances.put(instanceId, new ManagedInstance(instanceId, pingStatus, clock.now()));
    return this;
  }

  /** An instance launched now: SSM knows its agent, online, after the usual registration delay. */
  public StandInSsm launchedInstance(String instanceId) {
    return launchedInstance(instanceId, AGENT_REGISTRATION_DELAY);
  }

  /** An instance launched now whose agent registers, online, after {@code registration}. */
  public synchronized StandInSsm launchedInstance(String instanceId, Duration registration) {
    instances.put(instanceId, new ManagedInstance(instanceId, "Online", clock.now().plus(registration)));
    return this;
  }

  /** The instances whose agents have registered by now. */
  private Map<String, ManagedInstance> registered() {
    Instant now = clock.now();
    Map<String, ManagedInstance> registered = new TreeMap<>();
    instances.forEach((id, instance) -> {
      if (!instance.registeredAt().isAfter(now)) {
        registered.put(id, instance);
      }
    });
    return registered;
  }

  public synchronized List<ExecutionView> executions() {
    Instant now = clock.now();
    settle(now);
    return executions.values().stream().map(execution -> execution.view(now)).toList();
  }

  Map<String, AwsStandIn.Operation> operations() {
    return Map.of(
        "StartAutomationExecution", this::start,
        "GetAutomationExecution", this::get,
        "DescribeAutomationExecutions", this::describe,
        "DescribeInstanceInformation", this::describeInstances,
        "AddTagsToResource", this::addTags,
        "ListTagsForResource", this::listTags);
  }

  /**
   * A client token as SSM takes it: "enforces the UUID format" (StartAutomationExecution, SSM API
   * Reference), in the model 36 characters of the pattern below. Another is refused as every AWS
   * service refuses a member outside its constraints ("Common Errors": ValidationException, 400).
   */
  private static String validClientToken(String token) {
    if (!CLIENT_TOKEN.matcher(token).matches()) {
      throw ServiceError.sender("ValidationException", "1 validation error detected: Value '" + token
          + "' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: "
          + CLIENT_TOKEN.pattern());
    }
    return token;
  }

  private synchronized ObjectNode start(JsonNode input) {
    Instant now = clock.now();
    settle(now);
    String documentName = documentName(protocol.required(input, "DocumentName"));
    JsonNode request = input.deepCopy();
    ((ObjectNode) request).remove("ClientToken");
    Optional<String> clientToken = Optional.ofNullable(input.get("ClientToken"))
        .map(token -> validClientToken(token.asText()).toLowerCase(Locale.ROOT));
    Execution earlier = clientToken.map(byClientToken::get).orElse(null);
    if (earlier != null) {
      if (tokenReuse == TokenReuse.REFUSED || !earlier.request.equals(request)) {
        throw ServiceError.sender("IdempotentParameterMismatch",
            "Error when parameters of idempotency token " + clientToken.get() + " are mismatched");
      }
      return executionId(earlier);
    }
    Document document = documents.get(documentName);
    if (document == null) {
      throw ServiceError.sender("AutomationDefinitionNotFoundException",
          "Automation definition " + documentName + " not found");
    }
    Map<String, List<String>> parameters = parameters(input.path("Parameters"));
    checkParameters(document, parameters);
    if (running.size() >= maxRunning && queued.size() >= maxQueued) {
      throw ServiceError.sender("AutomationExecutionLimitExceededException",
          "The number of simultaneously running Automation executions exceeded the allowable limit ("
              + maxRunning + " running, " + maxQueued + " queued)");
    }
    Execution execution = new Execution(documentName, parameters, tags(input.path("Tags")), request,
        scripts.apply(parameters), now);
    executions.put(execution.id, execution);
    clientToken.ifPresent(token -> byClientToken.put(token, execution));
    if (running.size() < maxRunning) {
      execution.runningSince = now;
      running.add(execution);
    } else {
      queued.addLast(execution);
    }
    return executionId(execution);
  }

  /** A document ARN names the document after its last slash, as SSM reports it back. */
  private static String documentName(String nameOrArn) {
    return nameOrArn.substring(nameOrArn.lastIndexOf('/') + 1);
  }

  private static ObjectNode executionId(Execution execution) {
    return JsonNodeFactory.instance.objectNode().put("AutomationExecutionId", execution.id);
  }

  private void checkParameters(Document document, Map<String, List<String>> parameters) {
    List<String> undeclared = parameters.keySet().stream().filter(name -> !document.parameters().contains(name))
        .sorted().toList();
    if (!undeclared.isEmpty()) {
      throw ServiceError.sender("InvalidAutomationExecutionParametersException",
          "Parameters " + undeclared + " are not defined in document " + document.name());
    }
    List<String> missing = document.required().stream().filter(name -> !parameters.containsKey(name))
        .sorted().toList();
    if (!missing.isEmpty()) {
      throw ServiceError.sender("InvalidAutomationExecutionParametersException",
          "Parameters " + missing + " are required by document " + document.name() + " but were not given");
    }
  }

  private synchronized ObjectNode get(JsonNode input) {
    Instant now = clock.now();
    settle(now);
    Execution execution = known(protocol.required(input, "AutomationExecutionId"));
    ObjectNode details = JsonNodeFactory.instance.objectNode();
    describeInto(details, execution, now);
    ObjectNode parameters = details.putObject("Parameters");
    execution.parameters.forEach((name, values) -> values.forEach(parameters.putArray(name)::add));
    details.putObject("Outputs");
    details.putArray("StepExecutions");
    details.put("StepExecutionsTruncated", false);
    String status = execution.status(now);
    if (TERMINAL_STATUSES.contains(status) && !status.equals("Success")) {
      details.put("FailureMessage", "The stand-in played this execution to the end status " + status
          + "; no runbook step was executed");
    }
    ObjectNode output = JsonNodeFactory.instance.objectNode();
    output.set("AutomationExecution", details);
    return output;
  }

  private void describeInto(ObjectNode details, Execution execution, Instant now) {
    details.put("AutomationExecutionId", execution.id);
    details.put("DocumentName", execution.documentName);
    details.put("DocumentVersion", "1");
    details.putPOJO("ExecutionStartTime", execution.startedAt);
    execution.endedAt(now).ifPresent(end -> details.putPOJO("ExecutionEndTime", end));
    details.put("AutomationExecutionStatus", execution.status(now));
    details.put("Mode", "Auto");
    details.put("ExecutedBy", "arn:aws:sts::" + AwsStandIn.ACCOUNT + ":assumed-role/lifecycle-orchestrator/stand-in");
  }

  private synchronized ObjectNode describe(JsonNode input) {
    Instant now = clock.now();
    settle(now);
    Predicate<Execution> matching = execution -> true;
    for (JsonNode filter : input.path("Filters")) {
      matching = matching.and(executionFilter(filter.path("Key").asText(), AwsStandIn.strings(filter.path("Values")), now));
    }
    List<Execution> newestFirst = executions.values().stream()
        .sorted(Comparator.comparing((Execution execution) -> execution.startedAt).reversed())
        .toList();
    return page(newestFirst, matching, execution -> {
      ObjectNode metadata = JsonNodeFactory.instance.objectNode();
      describeInto(metadata, execution, now);
      return metadata.put("AutomationType", "Local");
    }, "AutomationExecutionMetadataList", input, 50);
  }

  private Predicate<Execution> executionFilter(String key, List<String> values, Instant now) {
    return switch (key) {
      case "TagKey" -> execution -> values.stream().anyMatch(execution.tags::containsKey);
      case "ExecutionId" -> execution -> values.contains(execution.id);
      case "ExecutionStatus" -> execution -> values.contains(execution.status(now));
      case "DocumentNamePrefix" -> execution -> values.stream().anyMatch(execution.documentName::startsWith);
      default -> throw ServiceError.sender("InvalidFilterKey", "The stand-in does not filter executions by " + key);
    };
  }

  /**
   * AddTagsToResource on an automation execution (ResourceType "Automation", SSM API Reference): a
   * key already there takes the new value. Another resource type is one the stand-in does not hold.
   */
  private synchronized ObjectNode addTags(JsonNode input) {
    Execution execution = taggedExecution(input);
    execution.tags.putAll(tags(input.path("Tags")));
    return JsonNodeFactory.instance.objectNode();
  }

  /** ListTagsForResource on an automation execution: its tags, as TagList. */
  private synchronized ObjectNode listTags(JsonNode input) {
    Execution execution = taggedExecution(input);
    ObjectNode output = JsonNodeFactory.instance.objectNode();
    execution.tags.forEach((key, value) -> output.withArray("TagList").addObject().put("Key", key).put("Value", value));
    output.withArray("TagList");
    return output;
  }

  private Execution taggedExecution(JsonNode input) {
    String type = protocol.required(input, "ResourceType");
    if (!type.equals("Automation")) {
      throw ServiceError.sender("InvalidResourceType", "The stand-in holds no resource of type " + type);
    }
    Execution execution = executions.get(protocol.required(input, "ResourceId"));
    if (execution == null) {
      throw ServiceError.sender("InvalidResourceId", "The resource ID \"" + input.path("ResourceId").asText()
          + "\" is not valid. Verify the ID and try again.");
    }
    return execution;
  }

  private synchronized ObjectNode describeInstances(JsonNode input) {
    Map<String, ManagedInstance> registered = registered();
    Predicate<ManagedInstance> matching = instance -> true;
    for (JsonNode filter : input.path("InstanceInformationFilterList")) {
      matching = matching.and(instanceFilter(registered, filter.path("key").asText(),
          AwsStandIn.strings(filter.path("valueSet"))));
    }
    for (JsonNode filter : input.path("Filters")) {
      matching = matching.and(instanceFilter(registered, filter.path("Key").asText(),
          AwsStandIn.strings(filter.path("Values"))));
    }
    // "The default value is 10 items." (DescribeInstanceInformation, MaxResults)
    return page(List.copyOf(registered.values()), matching, StandInSsm::information, "InstanceInformationList",
        input, 10);
  }

  /** A page of a filtered listing: filtered before paging, or after reading, as set. */
  private <T> ObjectNode page(List<T> all, Predicate<T> matching, Function<T, ObjectNode> shown, String listMember,
      JsonNode input, int defaultSize) {
    if (readPerPage.isPresent()) {
      return AwsStandIn.filteredAfterReading(all, matching, shown, readPerPage.getAsInt(), listMember, input);
    }
    return AwsStandIn.paged(all.stream().filter(matching).map(shown).toList(), listMember, input, "MaxResults",
        defaultSize);
  }

  private static ObjectNode information(ManagedInstance instance) {
    ObjectNode information = JsonNodeFactory.instance.objectNode()
        .put("InstanceId", instance.id())
        .put("PingStatus", instance.pingStatus())
        .put("AgentVersion", "3.3.1142.0")
        .put("IsLatestVersion", true)
        .put("PlatformType", "Linux")
        .put("PlatformName", "Amazon Linux")
        .put("PlatformVersion", "2023")
        .put("ResourceType", "EC2Instance")
        .put("IPAddress", "10.0.0.10")
        .put("ComputerName", "ip-10-0-0-10.ec2.internal")
        .put("SourceId", instance.id())
        .put("SourceType", "AWS::EC2::Instance");
    information.putPOJO("LastPingDateTime", instance.registeredAt());
    return information;
  }

  /**
   * Filtering by instance ids answers {@code InvalidInstanceId} for an id SSM does not manage:
   * "If you specify a node ID that isn't valid or a node that you don't own, you receive an error"
   * (DescribeInstanceInformation in the SSM API reference).
   */
  private static Predicate<ManagedInstance> instanceFilter(
      Map<String, ManagedInstance> registered, String key, List<String> values) {
    return switch (key) {
      case "InstanceIds" -> {
        List<String> unknown = values.stream().filter(id -> !registered.containsKey(id)).toList();
        if (!unknown.isEmpty()) {
          throw ServiceError.sender("InvalidInstanceId", "Instances " + unknown + " are not managed instances");
        }
        yield instance -> values.contains(instance.id());
      }
      case "PingStatus" -> instance -> values.contains(instance.pingStatus());
      default -> throw ServiceError.sender("InvalidFilterKey", "The stand-in does not filter instances by " + key);
    };
  }

  private Execution known(String id) {
    Execution execution = executions.get(id);
    if (execution == null) {
      throw ServiceError.sender("AutomationExecutionNotFoundException",
          "There is no AutomationExecution with id: " + id);
    }
    return execution;
  }

  /**
   * Plays the executions forward to {@code now}: each one that has ended frees its slot, at the
   * moment it ended, for the first in the queue, in the order the ends happened.
   */
  private void settle(Instant now) {
    while (true) {
      Optional<Execution> ended = running.stream()
          .filter(execution -> execution.endsAt() != null && !execution.endsAt().isAfter(now))
          .min(Comparator.comparing(Execution::endsAt));
      if (ended.isEmpty()) {
        return;
      }
      release(ended.get(), ended.get().endsAt());
    }
  }

  private void release(Execution execution, Instant at) {
    running.remove(execution);
    if (running.size() < maxRunning && !queued.isEmpty()) {
      Execution next = queued.removeFirst();
      next.runningSince = at;
      running.add(next);
    }
  }

  private static Map<String, List<String>> parameters(JsonNode map) {
    Map<String, List<String>> parameters = new LinkedHashMap<>();
    map.fields().forEachRemaining(entry -> parameters.put(entry.getKey(), AwsStandIn.strings(entry.getValue())));
    return parameters;
  }

  private static Map<String, String> tags(JsonNode list) {
    Map<String, String> tags = new LinkedHashMap<>();
    list.forEach(tag -> tags.put(tag.path("Key").asText(), tag.path("Value").asText()));
    return tags;
  }
}
