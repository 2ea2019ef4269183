package com.lifecycleorchestrator.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a CloudFormation template written in YAML. Its short tags ({@code !Ref X}, {@code !Sub s},
 * {@code !GetAtt A.B}, ...) become the long form CloudFormation itself turns them into
 * ({@code {Ref: X}}, {@code {Fn::Sub: s}}, {@code {Fn::GetAtt: [A, B]}}), so the rest of the tests
 * read one form only.
 */
final class CloudFormationYaml {

  private CloudFormationYaml() {}

  static Map<String, Object> load(Path file) {
    try {
      return new Yaml(new LongFormConstructor(new LoaderOptions())).load(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class LongFormConstructor extends SafeConstructor {

    LongFormConstructor(LoaderOptions options) {
      super(options);
      yamlMultiConstructors.put("!", new IntrinsicFunction());
    }

    private final class IntrinsicFunction extends AbstractConstruct {
      @Override
      public Object construct(Node node) {
        String shortName = node.getTag().getValue().substring(1);
        Object argument;
        if (node instanceof ScalarNode scalar) {
          argument = constructScalar(scalar);
        } else if (node instanceof SequenceNode sequence) {
          argument = constructSequence(sequence);
        } else {
          argument = constructMapping((MappingNode) node);
        }
        if (shortName.equals("GetAtt") && argument instanceof String dotted) {
          argument = List.of(dotted.split("\\.", 2));
        }
        return Map.of(longName(shortName), argument);
      }

      private String longName(String shortName) {
        return shortName.equals("Ref") || shortName.equals("Condition") ? shortName : "Fn::" + shortName;
      }
    }
  }
}
