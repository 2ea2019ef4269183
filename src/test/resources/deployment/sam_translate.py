"""Translates template.yaml with the SAM translator, as CloudFormation's AWS::Serverless transform does.

The functions' local CodeUri is replaced by the S3 location given, as sam deploy does after uploading
the package: the same location is the same code. Reads a JSON list of parameter sets on standard
input and writes a JSON list of translated templates, one per set, in the same order: one Python
process for all of them, as loading the translator costs seconds. The translator gets the parameter
values a deployment gives the transform. Each translated template also carries, under
"ResolvedVersions", the properties of its AWS::Lambda::Version resources with the parameters
substituted, as CloudFormation substitutes them when it deploys the translation.
"""
import json
import os
import sys

from samtranslator.intrinsics.resolver import IntrinsicsResolver
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

# The translator asks no AWS service for inline policies; its ARN generator only needs a Region.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

template_path, packaged_code = sys.argv[1], sys.argv[2]
with open(template_path, encoding="utf-8") as template_file:
    template_text = template_file.read()


def packaged(template):
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = packaged_code
    return template


def with_parameters(template, parameter_values):
    values = {name: str(definition["Default"]) for name, definition in template["Parameters"].items()
              if "Default" in definition}
    values.update(parameter_values)
    return values


translated_templates = []
for parameter_values in json.load(sys.stdin):
    template = packaged(yaml_parse(template_text))
    translated = Translator(managed_policy_map={}, sam_parser=Parser()).translate(
        sam_template=template, parameter_values=parameter_values)
    resolver = IntrinsicsResolver(with_parameters(template, parameter_values))
    translated["ResolvedVersions"] = {
        logical_id: resolver.resolve_parameter_refs(resource.get("Properties", {}))
        for logical_id, resource in translated["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Version"
    }
    translated_templates.append(translated)
json.dump(translated_templates, sys.stdout, default=str)
