package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * A wire protocol of AWS: how a request names its operation and carries its input, and how an
 * output or an error goes back. Every operation's input arrives as a JSON tree and its output
 * leaves as one, whatever the protocol, so the services the stand-in plays hold no wire code;
 * timestamps travel in the tree as {@link Instant}s and each protocol writes them its own way.
 */
abstract sealed class Protocol permits Protocol.AwsJson, Protocol.AwsQuery, Protocol.RestJson, Protocol.RestXml {

  static final ObjectMapper JSON = new ObjectMapper();

  /** One HTTP request as received. */
  record Inbound(String method, String path, String rawQuery, Headers headers, byte[] body) {
    String header(String name) {
      return headers.getFirst(name);
    }

    Map<String, String> queryParameters() {
      return formDecoded(rawQuery == null ? "" : rawQuery);
    }
  }

  /** One HTTP answer to send. */
  record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {}

  /**
   * The codes a service answers in for the errors any of its operations can meet, as it names
   * them: its throttling (code and HTTP status), its failure on its own side, a request without a
   * signature (code and message), an operation it does not have, and input its model refuses.
   */
  record CommonErrors(
      String throttling,
      int throttlingStatus,
      String internalFailure,
      String missingAuthentication,
      String missingAuthenticationMessage,
      String unknownOperation,
      int unknownOperationStatus,
      String invalidInput) {}

  private final CommonErrors errors;

  Protocol(CommonErrors errors) {
    this.errors = errors;
  }

  /** The operation the request calls, if it is a request of this protocol for this service. */
  abstract Optional<String> operation(Inbound request);

  /** The operation's input members as a tree. */
  abstract JsonNode input(Inbound request);

  abstract Answer output(String operation, ObjectNode output, String requestId);

  abstract Answer error(ServiceError error, String requestId);

  /** The service's answer to a caller over its rate limit. */
  ServiceError throttled() {
    return new ServiceError(errors.throttling(), "Rate exceeded", errors.throttlingStatus(), true);
  }

  /** The service's answer to a caller whose IAM policy does not allow the operation: JSON services say so with AccessDeniedException. */
  ServiceError accessDenied(String operation) {
    return new ServiceError("AccessDeniedException", deniedMessage(operation), 400, true);
  }

  static String deniedMessage(String operation) {
    return "User: arn:aws:sts::" + AwsStandIn.ACCOUNT + ":assumed-role/function-role/function is not authorized "
        + "to perform: " + operation + " because no identity-based policy allows the action";
  }

  /** The service's answer when it fails on its side, with HTTP status 500 or 503. */
  ServiceError serverError(int status) {
    return status == 503
        ? new ServiceError("ServiceUnavailable", "Service is unavailable, try again", 503, false)
        : new ServiceError(errors.internalFailure(), "An internal error occurred, try again", status, false);
  }

  /** The service's answer to a request that carries no signature at all: 403, as AWS's common errors say. */
  ServiceError missingAuthentication() {
    return new ServiceError(errors.missingAuthentication(), errors.missingAuthenticationMessage(), 403, true);
  }

  ServiceError unknownOperation(String operation) {
    return new ServiceError(errors.unknownOperation(), "The stand-in does not answer " + operation,
        errors.unknownOperationStatus(), true);
  }

  /** The service's answer to input its model does not allow. */
  ServiceError invalid(String message) {
    return ServiceError.sender(errors.invalidInput(), message);
  }

  /** A string member the operation cannot do without. */
  String required(JsonNode input, String member) {
    JsonNode value = input.get(member);
    if (value == null || value.isNull() || value.asText().isEmpty()) {
      throw invalid("1 validation error detected: Value null at '" + member
          + "' failed to satisfy constraint: Member must not be null");
    }
    return value.asText();
  }

  private static byte[] jsonBytes(JsonNode tree) {
    try {
      return JSON.writeValueAsBytes(tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Timestamps as epoch seconds, the form of both JSON protocols. */
  private static JsonNode withEpochSeconds(JsonNode node) {
    if (node instanceof POJONode pojo && pojo.getPojo() instanceof Instant instant) {
      return DecimalNode.valueOf(BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3));
    }
    if (node.isObject()) {
      ObjectNode copy = JsonNodeFactory.instance.objectNode();
      node.fields().forEachRemaining(field -> copy.set(field.getKey(), withEpochSeconds(field.getValue())));
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = JsonNodeFactory.instance.arrayNode();
      node.forEach(element -> copy.add(withEpochSeconds(element)));
      return copy;
    }
    return node;
  }

  /** The bytes of a binary member, none if it is absent. */
  static byte[] bytesOf(JsonNode binary) {
    try {
      return binary == null ? new byte[0] : binary.binaryValue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> formDecoded(String form) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : form.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      parameters.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return parameters;
  }

  private interface XmlBody {
    void write(XMLStreamWriter xml) throws XMLStreamException;
  }

  /** An XML answer, as both XML protocols send it. */
  private static Answer xml(XmlBody body, int status, String requestId) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(bytes, "UTF-8");
      xml.writeStartDocument("UTF-8", "1.0");
      body.write(xml);
      xml.writeEndDocument();
      xml.close();
    } catch (XMLStreamException e) {
      throw new IllegalStateException("could not write an XML answer", e);
    }
    return new Answer(status, "text/xml", bytes.toByteArray(), Map.of("x-amzn-RequestId", requestId));
  }

  /** Timestamps as ISO 8601, the form of both XML protocols. */
  private static void writeScalar(XMLStreamWriter xml, JsonNode value) throws XMLStreamException {
    if (value instanceof POJONode pojo && pojo.getPojo() instanceof Instant instant) {
      xml.writeCharacters(instant.toString());
    } else {
      xml.writeCharacters(value.asText());
    }
  }

  private static void element(XMLStreamWriter xml, String name, String text) throws XMLStreamException {
    xml.writeStartElement(name);
    xml.writeCharacters(text);
    xml.writeEndElement();
  }

  /**
   * {@code awsJson1_1} (SSM): {@code POST /}, the operation in {@code X-Amz-Target:
   * <prefix>.<Operation>}, input and output as JSON, errors as {@code {"__type", "message"}}.
   */
  static final class AwsJson extends Protocol {
    private final String targetPrefix;
    private final String contentType;

    /** {@code awsJson1_1}, SSM's. */
    AwsJson(String targetPrefix) {
      this(targetPrefix, "application/x-amz-json-1.1");
    }

    /** @param contentType {@code application/x-amz-json-1.0} for SQS's {@code awsJson1_0} */
    AwsJson(String targetPrefix, String contentType) {
      super(new CommonErrors("ThrottlingException", 400, "InternalServerError", "MissingAuthenticationTokenException",
          "Missing Authentication Token", "UnknownOperationException", 400, "ValidationException"));
      this.targetPrefix = targetPrefix + ".";
      this.contentType = contentType;
    }

    @Override
    Optional<String> operation(Inbound request) {
      String target = request.header("X-Amz-Target");
      return target != null && target.startsWith(targetPrefix) && request.method().equals("POST")
          ? Optional.of(target.substring(targetPrefix.length()))
          : Optional.empty();
    }

    @Override
    JsonNode input(Inbound request) {
      if (request.body().length == 0) {
        return JsonNodeFactory.instance.objectNode();
      }
      try {
        JsonNode input = JSON.readTree(request.body());
        if (input == null || !input.isObject()) {
          throw invalid("the request body must be a JSON object");
        }
        return input;
      } catch (IOException e) {
        throw ServiceError.sender("SerializationException", "the request body is not JSON: " + e.getMessage());
      }
    }

    @Override
    Answer output(String operation, ObjectNode output, String requestId) {
      return new Answer(200, contentType, jsonBytes(withEpochSeconds(output)),
          Map.of("x-amzn-RequestId", requestId));
    }

    @Override
    Answer error(ServiceError error, String requestId) {
      ObjectNode body = JsonNodeFactory.instance.objectNode()
          .put("__type", error.code())
          .put("message", error.getMessage());
      return new Answer(error.status(), contentType, jsonBytes(body), Map.of("x-amzn-RequestId", requestId));
    }
  }

  /**
   * {@code awsQuery} (Auto Scaling): a form-encoded {@code Action=...&Version=...} body, lists as
   * {@code Name.member.N}, answers as {@code <OpResponse><OpResult>} XML in the service's
   * namespace, errors as {@code <ErrorResponse><Error>}.
   */
  static final class AwsQuery extends Protocol {
    private static final Pattern LIST_INDEX = Pattern.compile("[1-9]\\d*");

    private final String version;
    private final String namespace;

    /** Query services (Auto Scaling among them) refuse with AccessDenied and HTTP 403. */
    @Override
    ServiceError accessDenied(String operation) {
      return new ServiceError("AccessDenied", deniedMessage(operation), 403, true);
    }

    AwsQuery(String version, String namespace) {
      super(new CommonErrors("Throttling", 400, "InternalFailure", "MissingAuthenticationToken",
          "Request is missing Authentication Token", "InvalidAction", 400, "ValidationError"));
      this.version = version;
      this.namespace = namespace;
    }

    @Override
    Optional<String> operation(Inbound request) {
      Map<String, String> form = form(request);
      return version.equals(form.get("Version")) ? Optional.ofNullable(form.get("Action")) : Optional.empty();
    }

    private static Map<String, String> form(Inbound request) {
      String contentType = Optional.ofNullable(request.header("Content-Type")).orElse("");
      Map<String, String> form = new LinkedHashMap<>(request.queryParameters());
      if (contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
        form.putAll(formDecoded(new String(request.body(), StandardCharsets.UTF_8)));
      }
      return form;
    }

    /** {@code Filters.member.1.Values.member.2=x} becomes {@code {"Filters": [{"Values": [.., "x"]}]}}. */
    @Override
    JsonNode input(Inbound request) {
      ObjectNode root = JsonNodeFactory.instance.objectNode();
      form(request).forEach((name, value) -> {
        if (!name.equals("Action") && !name.equals("Version")) {
          place(root, List.of(name.split("\\.")), value);
        }
      });
      return root;
    }

    private static void place(ObjectNode object, List<String> path, String value) {
      String name = path.get(0);
      if (path.size() == 1) {
        object.put(name, value);
        return;
      }
      if (path.size() >= 3 && path.get(1).equals("member") && LIST_INDEX.matcher(path.get(2)).matches()) {
        ArrayNode list = object.get(name) instanceof ArrayNode existing ? existing : object.putArray(name);
        int index = Integer.parseInt(path.get(2)) - 1;
        while (list.size() <= index) {
          list.add(NullNode.getInstance());
        }
        List<String> rest = path.subList(3, path.size());
        if (rest.isEmpty()) {
          list.set(index, TextNode.valueOf(value));
          return;
        }
        if (!list.get(index).isObject()) {
          list.set(index, JsonNodeFactory.instance.objectNode());
        }
        place((ObjectNode) list.get(index), rest, value);
        return;
      }
      ObjectNode nested = object.get(name) instanceof ObjectNode existing ? existing : object.putObject(name);
      place(nested, path.subList(1, path.size()), value);
    }

    @Override
    Answer output(String operation, ObjectNode output, String requestId) {
      return xml(xml -> {
        xml.writeStartElement(operation + "Response");
        xml.writeDefaultNamespace(namespace);
        xml.writeStartElement(operation + "Result");
        writeMembers(xml, output);
        xml.writeEndElement();
        xml.writeStartElement("ResponseMetadata");
        element(xml, "RequestId", requestId);
        xml.writeEndElement();
        xml.writeEndElement();
      }, 200, requestId);
    }

    @Override
    Answer error(ServiceError error, String requestId) {
      return xml(xml -> {
        xml.writeStartElement("ErrorResponse");
        xml.writeDefaultNamespace(namespace);
        xml.writeStartElement("Error");
        element(xml, "Type", error.senderFault() ? "Sender" : "Receiver");
        element(xml, "Code", error.code());
        element(xml, "Message", error.getMessage());
        xml.writeEndElement();
        element(xml, "RequestId", requestId);
        xml.writeEndElement();
      }, error.status(), requestId);
    }

    private static void writeMembers(XMLStreamWriter xml, JsonNode object) throws XMLStreamException {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> member = it.next();
        xml.writeStartElement(member.getKey());
        writeValue(xml, member.getValue());
        xml.writeEndElement();
      }
    }

    private static void writeValue(XMLStreamWriter xml, JsonNode value) throws XMLStreamException {
      if (value.isObject()) {
        writeMembers(xml, value);
      } else if (value.isArray()) {
        for (JsonNode element : value) {
          xml.writeStartElement("member");
          writeValue(xml, element);
          xml.writeEndElement();
        }
      } else {
        writeScalar(xml, value);
      }
    }

  }

  /**
   * {@code restJson1} (Lambda), for the routes given: the operation and some input members in the
   * method and path, others in headers and the query string, the payload as the raw body; output
   * members likewise bound to the status code, headers and body; errors named in the
   * {@code x-amzn-ErrorType} header.
   */
  static final class RestJson extends Protocol {

    /** Where each member of one operation travels, as the service model's {@code location}s say. */
    record Route(
        String operation,
        String method,
        Pattern path,
        String pathMember,
        Map<String, String> queryMembers,
        Map<String, String> headerMembers,
        String payloadMember,
        String statusCodeMember,
        Map<String, String> outputHeaders) {}

    private final Map<String, Route> routes = new LinkedHashMap<>();

    RestJson(Route... routes) {
      super(new CommonErrors("TooManyRequestsException", 429, "ServiceException", "MissingAuthenticationTokenException",
          "Missing Authentication Token", "UnknownOperationException", 404, "InvalidParameterValueException"));
      for (Route route : routes) {
        this.routes.put(route.operation(), route);
      }
    }

    @Override
    Optional<String> operation(Inbound request) {
      return routes.values().stream()
          .filter(route -> route.method().equals(request.method()) && route.path().matcher(request.path()).matches())
          .map(Route::operation)
          .findFirst();
    }

    @Override
    JsonNode input(Inbound request) {
      Route route = routes.get(operation(request).orElseThrow());
      ObjectNode input = JsonNodeFactory.instance.objectNode();
      Matcher path = route.path().matcher(request.path());
      if (path.matches()) {
        input.put(route.pathMember(), URLDecoder.decode(path.group(1), StandardCharsets.UTF_8));
      }
      Map<String, String> query = request.queryParameters();
      route.queryMembers().forEach((parameter, member) ->
          Optional.ofNullable(query.get(parameter)).ifPresent(value -> input.put(member, value)));
      route.headerMembers().forEach((header, member) ->
          Optional.ofNullable(request.header(header)).ifPresent(value -> input.put(member, value)));
      input.set(route.payloadMember(), BinaryNode.valueOf(request.body()));
      return input;
    }

    @Override
    Answer output(String operation, ObjectNode output, String requestId) {
      Route route = routes.get(operation);
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("x-amzn-RequestId", requestId);
      route.outputHeaders().forEach((member, header) ->
          Optional.ofNullable(output.get(member)).ifPresent(value -> headers.put(header, value.asText())));
      return new Answer(output.path(route.statusCodeMember()).asInt(200), "application/json",
          bytesOf(output.get(route.payloadMember())), headers);
    }

    @Override
    Answer error(ServiceError error, String requestId) {
      ObjectNode body = JsonNodeFactory.instance.objectNode()
          .put("Type", error.senderFault() ? "User" : "Service")
          .put("message", error.getMessage());
      return new Answer(error.status(), "application/json", jsonBytes(body),
          Map.of("x-amzn-RequestId", requestId, "x-amzn-ErrorType", error.code()));
    }
  }

  /**
   * {@code restXml} (S3), for the routes given: the operation in the method, the path (the bucket)
   * and a query parameter that tells it apart ({@code list-type=2} for ListObjectsV2), other input
   * members in the query string; the output as XML under the route's root element, its lists
   * flattened (each item an element named as the list, no {@code member} wrapper); errors as
   * {@code <Error><Code>}, as "Error responses" (Amazon S3 API Reference) shows them.
   */
  static final class RestXml extends Protocol {

    /** One operation on a bucket: {@code marker} is the query parameter and value that name it. */
    record Route(String operation, String method, String marker, String pathMember, Map<String, String> queryMembers,
        String rootElement, String namespace) {}

    private static final Pattern BUCKET_PATH = Pattern.compile("/([^/]+)/?");

    private final Map<String, Route> routes = new LinkedHashMap<>();

    RestXml(Route... routes) {
      super(new CommonErrors("SlowDown", 503, "InternalError", "AccessDenied", "Access Denied",
          "NotImplemented", 501, "InvalidArgument"));
      for (Route route : routes) {
        this.routes.put(route.operation(), route);
      }
    }

    /** S3 refuses a call IAM does not allow with AccessDenied and HTTP 403, as query services do. */
    @Override
    ServiceError accessDenied(String operation) {
      return new ServiceError("AccessDenied", "Access Denied", 403, true);
    }

    @Override
    Optional<String> operation(Inbound request) {
      String query = "&" + Optional.ofNullable(request.rawQuery()).orElse("") + "&";
      return routes.values().stream()
          .filter(route -> route.method().equals(request.method()) && BUCKET_PATH.matcher(request.path()).matches()
              && query.contains("&" + route.marker() + "&"))
          .map(Route::operation)
          .findFirst();
    }

    @Override
    JsonNode input(Inbound request) {
      Route route = routes.get(operation(request).orElseThrow());
      ObjectNode input = JsonNodeFactory.instance.objectNode();
      Matcher path = BUCKET_PATH.matcher(request.path());
      if (path.matches()) {
        input.put(route.pathMember(), URLDecoder.decode(path.group(1), StandardCharsets.UTF_8));
      }
      Map<String, String> query = request.queryParameters();
      route.queryMembers().forEach((parameter, member) ->
          Optional.ofNullable(query.get(parameter)).ifPresent(value -> input.put(member, value)));
      return input;
    }

    @Override
    Answer output(String operation, ObjectNode output, String requestId) {
      Route route = routes.get(operation);
      return xml(xml -> {
        xml.writeStartElement(route.rootElement());
        xml.writeDefaultNamespace(route.namespace());
        writeFlattened(xml, output);
        xml.writeEndElement();
      }, 200, requestId);
    }

    private static void writeFlattened(XMLStreamWriter xml, JsonNode object) throws XMLStreamException {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> member = it.next();
        List<JsonNode> items = new ArrayList<>();
        if (member.getValue().isArray()) {
          member.getValue().forEach(items::add);
        } else {
          items.add(member.getValue());
        }
        for (JsonNode item : items) {
          xml.writeStartElement(member.getKey());
          if (item.isObject()) {
            writeFlattened(xml, item);
          } else {
            writeScalar(xml, item);
          }
          xml.writeEndElement();
        }
      }
    }

    @Override
    Answer error(ServiceError error, String requestId) {
      return xml(xml -> {
        xml.writeStartElement("Error");
        element(xml, "Code", error.code());
        element(xml, "Message", error.getMessage());
        element(xml, "RequestId", requestId);
        xml.writeEndElement();
      }, error.status(), requestId);
    }
  }
}
